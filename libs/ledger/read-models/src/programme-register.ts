import type { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import type { StoredEvent } from '@erbm/shared/event-store';
import { type Park, type Projection, type Row, column, loadRows, pgArray, schemaOf, table, upsertRows } from '@erbm/shared/projections';
import {
  ACTION_COMMITMENT_EVENT_TYPES,
  AGREEMENT_EVENT_TYPES,
  type ActionCommitmentEvent,
  type ActionCommitmentState,
  type AgreementEvent,
  type AgreementPeriod,
  type AgreementState,
  type EvidenceRef,
  actionCommitmentIdOf,
  agreementIdOf,
  agreementPeriodOf,
  evolveActionCommitment,
  evolveAgreement,
} from '@erbm/ledger/domain';

export const PROGRAMME_REGISTER = 'programme-register';

/** Every framework agreement of the programme, as its stream folds it. */
export const PROGRAMME_AGREEMENTS = table({
  name: 'agreements',
  key: ['id'],
  columns: {
    id: column.text('id'),
    title: column.text('title'),
    signedOn: column.date('signed_on'),
    periodFrom: column.date('period_from'),
    periodTo: column.date('period_to'),
    inForceFrom: column.date('in_force_from', { nullable: true }),
    succeeds: column.text('succeeds', { nullable: true }),
    revision: column.int('revision'),
    state: column.jsonb<Exclude<AgreementState, { status: 'none' }>>('state'),
  },
});
export type AgreementRow = Row<typeof PROGRAMME_AGREEMENTS>;

/** Every commitment of action, for the SGAR's list by party, domain, status and lateness. */
export const PROGRAMME_ACTION_COMMITMENTS = table({
  name: 'action_commitments',
  key: ['id'],
  columns: {
    id: column.text('id'),
    domain: column.text('domain'),
    party: column.text('party'),
    operationId: column.text('operation_id', { nullable: true }),
    what: column.text('what'),
    promisedOn: column.date('promised_on'),
    dueDate: column.date('due_date'),
    status: column.text('status'),
    doneOn: column.date('done_on', { nullable: true }),
    evidence: column.jsonb<EvidenceRef | null>('evidence', { nullable: true }),
    abandonReason: column.text('abandon_reason', { nullable: true }),
    revision: column.int('revision'),
    lastRecordedAt: column.timestamptz('last_recorded_at'),
    state: column.jsonb<Exclude<ActionCommitmentState, { status: 'none' }>>('state'),
  },
});
export type ActionCommitmentRow = Row<typeof PROGRAMME_ACTION_COMMITMENTS>;

export class ProgrammeRegister1732200000022 implements MigrationInterface {
  name = 'ProgrammeRegister1732200000022';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`CREATE TABLE ${s}.agreements (
      id text PRIMARY KEY, title text NOT NULL, signed_on date NOT NULL, period_from date NOT NULL, period_to date NOT NULL,
      in_force_from date, succeeds text, revision int NOT NULL, state jsonb NOT NULL)`);
    await q.query(`CREATE TABLE ${s}.action_commitments (
      id text PRIMARY KEY, domain text NOT NULL, party text NOT NULL, operation_id text, what text NOT NULL, promised_on date NOT NULL,
      due_date date NOT NULL, status text NOT NULL, done_on date, evidence jsonb, abandon_reason text, revision int NOT NULL,
      last_recorded_at timestamptz NOT NULL, state jsonb NOT NULL)`);
    await q.query(`CREATE INDEX action_commitments_axes ON ${s}.action_commitments (party, domain, status, due_date)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`DROP TABLE ${s}.action_commitments`);
    await q.query(`DROP TABLE ${s}.agreements`);
  }
}

/** The programme's own facts: its framework agreements and the commitments of action of every domain. */
export class ProgrammeRegisterProjection implements Projection {
  readonly name = PROGRAMME_REGISTER;
  readonly schema = 'rm_programme';
  readonly handles = new Set<string>([...AGREEMENT_EVENT_TYPES, ...ACTION_COMMITMENT_EVENT_TYPES]);
  readonly entities = [];
  readonly migrations = [ProgrammeRegister1732200000022];

  async apply(events: StoredEvent[], manager: EntityManager, park: Park): Promise<void> {
    const agreementIds = new Set(events.map((e) => agreementIdOf(e.streamName) ?? '').filter(Boolean));
    const actionIds = new Set(events.map((e) => actionCommitmentIdOf(e.streamName) ?? '').filter(Boolean));
    const agreements = new Map(
      (agreementIds.size ? await loadRows(manager, PROGRAMME_AGREEMENTS, { where: 'id = ANY($1::text[])', parameters: [pgArray(agreementIds)] }) : []).map(
        (r) => [r.id, r],
      ),
    );
    const actions = new Map(
      (actionIds.size ? await loadRows(manager, PROGRAMME_ACTION_COMMITMENTS, { where: 'id = ANY($1::text[])', parameters: [pgArray(actionIds)] }) : []).map(
        (r) => [r.id, r],
      ),
    );
    const touchedAgreements = new Set<string>();
    const touchedActions = new Set<string>();
    for (const e of events) {
      try {
        const agreementId = agreementIdOf(e.streamName);
        const actionId = actionCommitmentIdOf(e.streamName);
        if (agreementId && e.type.startsWith('programme.')) {
          const row = agreements.get(agreementId);
          if (!follows(e, row?.revision)) continue;
          const state = evolveAgreement(row?.state ?? { status: 'none' }, { type: e.type, data: e.data } as AgreementEvent);
          if (state.status === 'none') throw new Error('no agreement');
          agreements.set(agreementId, {
            id: agreementId,
            title: state.title,
            signedOn: state.signedOn,
            periodFrom: state.periodFrom,
            periodTo: state.periodTo,
            inForceFrom: state.inForceFrom ?? null,
            succeeds: state.succeeds ?? null,
            revision: e.revision,
            state,
          });
          touchedAgreements.add(agreementId);
        } else if (actionId) {
          const row = actions.get(actionId);
          if (!follows(e, row?.revision)) continue;
          const state = evolveActionCommitment(row?.state ?? { status: 'none' }, { type: e.type, data: e.data } as ActionCommitmentEvent);
          if (state.status === 'none') throw new Error('no action commitment');
          actions.set(actionId, {
            id: actionId,
            domain: state.domain,
            party: state.party,
            operationId: state.operationId ?? null,
            what: state.what,
            promisedOn: state.promisedOn,
            dueDate: state.dueDate,
            status: state.status,
            doneOn: state.doneOn ?? null,
            evidence: state.evidence ?? null,
            abandonReason: state.abandonReason ?? null,
            revision: e.revision,
            lastRecordedAt: e.recordedAt,
            state,
          });
          touchedActions.add(actionId);
        } else throw new Error(`${e.type} outside an agreement or action commitment stream`);
      } catch (error) {
        park(e, error);
      }
    }
    await upsertRows(
      manager,
      PROGRAMME_AGREEMENTS,
      [...touchedAgreements].map((id) => agreements.get(id) as AgreementRow),
    );
    await upsertRows(
      manager,
      PROGRAMME_ACTION_COMMITMENTS,
      [...touchedActions].map((id) => actions.get(id) as ActionCommitmentRow),
    );
  }
}

/** True when the event is the next of its stream's row; false when the row already reflects it; an error on a gap. */
function follows(e: StoredEvent, revision: number | undefined): boolean {
  if (revision !== undefined && e.revision <= revision) return false;
  if (e.revision !== (revision ?? -1) + 1) throw new Error(`revision ${e.revision} of ${e.streamName} does not follow ${revision ?? -1}`);
  return true;
}

/** Every agreement, in the order they took effect. */
export async function listAgreements(ds: DataSource): Promise<AgreementRow[]> {
  return loadRows(ds.manager, PROGRAMME_AGREEMENTS, { orderBy: 'coalesce(in_force_from, period_from), id' });
}

/** What deciding which agreement is in force on a day needs, from the register. */
export async function agreementPeriods(ds: DataSource): Promise<AgreementPeriod[]> {
  return (await listAgreements(ds)).map((r) => agreementPeriodOf(r.state));
}

export interface ActionCommitmentFilters {
  party?: string;
  domain?: string;
  status?: string;
  /** Only those open past their due date on `today`. */
  lateOn?: string;
}

export async function listActionCommitments(ds: DataSource, filters: ActionCommitmentFilters): Promise<ActionCommitmentRow[]> {
  const where: string[] = [];
  const parameters: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    parameters.push(value);
    where.push(sql.replace('?', `$${parameters.length}`));
  };
  if (filters.party !== undefined) add('party = ?', filters.party);
  if (filters.domain !== undefined) add('domain = ?', filters.domain);
  if (filters.status !== undefined) add('status = ?', filters.status);
  if (filters.lateOn !== undefined) add(`status IN ('promised', 'in-progress') AND due_date < ?::date`, filters.lateOn);
  return loadRows(ds.manager, PROGRAMME_ACTION_COMMITMENTS, { where: where.join(' AND ') || undefined, parameters, orderBy: 'due_date, id' });
}

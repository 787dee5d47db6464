import type { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import type { StoredEvent } from '@erbm/shared/event-store';
import { type Park, type Projection, type Row, loadRows, pgArray, schemaOf, upsertRows } from '@erbm/shared/projections';
import { type IndicatorValue, listOfAll } from '@erbm/shared/kernel';
import type { CommitmentEventType } from '@erbm/ledger/domain';
import { ALL_DATES, type IndicatorValues, type OperationEvent, type OperationState, evolveOperation, indicatorsAsOf } from '@erbm/habitat/domain';
import { HABITAT_COMMITMENT_OPERATIONS, HABITAT_INDICATOR_TOTALS, HABITAT_OPERATIONS, type HabitatOperationRow, INDICATORS } from './tables';
import { HABITAT_REGISTER_CHECKS } from './checks';

export class HabitatRegister1732200000002 implements MigrationInterface {
  name = 'HabitatRegister1732200000002';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`CREATE TABLE ${s}.operations (
      id text PRIMARY KEY, name text NOT NULL, cite text NOT NULL, commune_insee text NOT NULL, arrondissement text NOT NULL,
      landlord text NOT NULL, status text NOT NULL, dwellings_planned int NOT NULL, dwellings_delivered int NOT NULL,
      energy_label_before text NOT NULL, energy_label_target text NOT NULL, first_legal_act_on date, commitments int NOT NULL,
      indicators jsonb NOT NULL, revision int NOT NULL, state jsonb NOT NULL)`);
    await q.query(`CREATE INDEX operations_arrondissement ON ${s}.operations (arrondissement)`);
    await q.query(`CREATE TABLE ${s}.commitment_operations (commitment_id text PRIMARY KEY, operation_id text NOT NULL)`);
    await q.query(`CREATE TABLE ${s}.indicator_totals (
      indicator text NOT NULL, arrondissement text NOT NULL, value bigint NOT NULL DEFAULT 0, PRIMARY KEY (indicator, arrondissement))`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`DROP TABLE ${s}.indicator_totals`);
    await q.query(`DROP TABLE ${s}.commitment_operations`);
    await q.query(`DROP TABLE ${s}.operations`);
  }
}

/** Who registered each operation and when it was recorded: what a list shows without reading the operation's stream. */
export class HabitatRegisterRecording1732200000006 implements MigrationInterface {
  name = 'HabitatRegisterRecording1732200000006';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`ALTER TABLE ${s}.operations ADD COLUMN registered_at timestamptz, ADD COLUMN recorded_by jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`ALTER TABLE ${s}.operations DROP COLUMN registered_at, DROP COLUMN recorded_by`);
  }
}

const operationIdOf = (streamName: string) => /^habitat\.operation-(.+)$/.exec(streamName)?.[1];
const commitmentIdOf = (streamName: string) => /^commitment-(.+)$/.exec(streamName)?.[1];

/** Current indicator values of one operation: every fact recorded so far, whatever its business date. */
const indicatorsOf = (op: OperationState, firstLegalActOn: string | null): IndicatorValues => indicatorsAsOf(op, firstLegalActOn, ALL_DATES);

/** The name of the habitat register projection, the data source its readers ask for. */
export const HABITAT_REGISTER = 'habitat-register';

/** The habitat operation register and the indicator totals per arrondissement, moved by each operation's difference. */
export class HabitatRegisterProjection implements Projection {
  readonly name = HABITAT_REGISTER;
  readonly schema = 'rm_habitat';
  /** Every fact of an operation (its row is its state), and the commitments' that count its dwellings financed. */
  readonly handles = new Set<string>([
    ...listOfAll<OperationEvent['type']>()([
      'habitat.OperationRegistered',
      'habitat.OperationAmended',
      'habitat.OperationPhaseReached',
      'habitat.DwellingsDelivered',
      'habitat.CommitmentAttached',
    ]),
    ...(['ledger.CommitmentAnnounced', 'ledger.CommitmentMade'] satisfies CommitmentEventType[]),
  ]);
  readonly entities = [];
  readonly migrations = [HabitatRegister1732200000002, HabitatRegisterRecording1732200000006];
  readonly checks = HABITAT_REGISTER_CHECKS;

  async apply(events: StoredEvent[], manager: EntityManager, park: Park): Promise<void> {
    const links = new Map<string, string>();
    const madeIds = events.filter((e) => e.type === 'ledger.CommitmentMade').map((e) => commitmentIdOf(e.streamName) ?? '');
    if (madeIds.length)
      for (const l of await loadRows(manager, HABITAT_COMMITMENT_OPERATIONS, { where: 'commitment_id = ANY($1::text[])', parameters: [pgArray(madeIds)] }))
        links.set(l.commitmentId, l.operationId);
    const newLinks: Row<typeof HABITAT_COMMITMENT_OPERATIONS>[] = [];
    const opIds = new Set<string>();
    for (const e of events) {
      if (e.type === 'ledger.CommitmentAnnounced') {
        const d = e.data as { commitmentId: string; operationId: string; domain: string };
        if (d.domain !== 'habitat') continue;
        links.set(d.commitmentId, d.operationId);
        newLinks.push({ commitmentId: d.commitmentId, operationId: d.operationId });
      }
      const id = e.type.startsWith('habitat.') ? operationIdOf(e.streamName) : links.get(commitmentIdOf(e.streamName) ?? '');
      if (id) opIds.add(id);
    }
    const loaded = opIds.size ? await loadRows(manager, HABITAT_OPERATIONS, { where: 'id = ANY($1::text[])', parameters: [pgArray(opIds)] }) : [];
    const before = new Map(loaded.map((r) => [r.id, { ...r }]));
    const rows = new Map(loaded.map((r) => [r.id, r]));
    const touched = new Set<string>();
    for (const e of events) {
      try {
        if (e.type === 'ledger.CommitmentAnnounced') continue;
        if (e.type === 'ledger.CommitmentMade') {
          const opId = links.get(commitmentIdOf(e.streamName) ?? '');
          if (!opId) continue; // a commitment of another domain
          const row = rows.get(opId);
          if (!row) throw new Error(`commitment of unknown operation ${opId}`);
          const date = (e.data as { date: string }).date;
          if (!row.firstLegalActOn || date < row.firstLegalActOn) row.firstLegalActOn = date;
          row.indicators = indicatorsOf(row.state, row.firstLegalActOn);
          touched.add(opId);
          continue;
        }
        const id = operationIdOf(e.streamName);
        if (!id) throw new Error(`${e.type} outside an operation stream`);
        const row = rows.get(id);
        if (row && e.revision <= row.revision) continue;
        if (e.revision !== (row ? row.revision + 1 : 0)) throw new Error(`revision ${e.revision} of ${e.streamName} does not follow ${row?.revision ?? -1}`);
        const state = evolveOperation(row?.state ?? { status: 'none' }, { type: e.type, data: e.data } as OperationEvent);
        if (state.status === 'none') throw new Error('no operation');
        const firstLegalActOn = row?.firstLegalActOn ?? null;
        rows.set(id, {
          id,
          name: state.name,
          cite: state.cite,
          communeInsee: state.communeInsee,
          arrondissement: state.arrondissement,
          landlord: state.landlord,
          status: state.status,
          dwellingsPlanned: state.dwellingsPlanned,
          dwellingsDelivered: state.dwellingsDelivered,
          energyLabelBefore: state.energyLabelBefore,
          energyLabelTarget: state.energyLabelTarget,
          firstLegalActOn,
          commitments: state.financingPlan.length,
          indicators: indicatorsOf(state, firstLegalActOn),
          revision: e.revision,
          state,
          registeredAt: row ? row.registeredAt : e.recordedAt,
          recordedBy: row ? row.recordedBy : e.envelope.actor,
        });
        touched.add(id);
      } catch (error) {
        park(e, error);
      }
    }
    await upsertRows(manager, HABITAT_COMMITMENT_OPERATIONS, newLinks, { onConflict: 'ignore' });
    const changed = [...touched].map((id) => rows.get(id) as HabitatOperationRow);
    await upsertRows(manager, HABITAT_OPERATIONS, changed);
    const deltas = new Map<string, Row<typeof HABITAT_INDICATOR_TOTALS>>();
    const add = (row: HabitatOperationRow, sign: 1 | -1) => {
      for (const indicator of INDICATORS) {
        const key = JSON.stringify([indicator, row.arrondissement]);
        const total = deltas.get(key) ?? { indicator, arrondissement: row.arrondissement, value: 0 };
        total.value += sign * row.indicators[indicator];
        deltas.set(key, total);
      }
    };
    for (const row of changed) {
      const old = before.get(row.id);
      if (old) add(old, -1);
      add(row, 1);
    }
    const moves = [...deltas.values()].filter((d) => d.value !== 0);
    await upsertRows(manager, HABITAT_INDICATOR_TOTALS, moves, { onConflict: 'add' });
    // A rebuild never writes a total that nets to zero: the live run must not keep one either.
    if (deltas.size) await manager.query(`DELETE FROM ${schemaOf(manager)}.${HABITAT_INDICATOR_TOTALS.name} WHERE value = 0`);
  }
}

/** The indicator totals per arrondissement, as the SGAR's views read them through the habitat plugin. */
export async function readHabitatIndicators(dataSource: DataSource): Promise<IndicatorValue[]> {
  return loadRows(dataSource.manager, HABITAT_INDICATOR_TOTALS, { orderBy: 'indicator, arrondissement' });
}

/** The operations of the register, in the order they were registered, with what each needs to be counted as of a date. */
export async function listHabitatOperations(dataSource: DataSource): Promise<HabitatOperationRow[]> {
  return loadRows(dataSource.manager, HABITAT_OPERATIONS, { orderBy: 'registered_at, id' });
}

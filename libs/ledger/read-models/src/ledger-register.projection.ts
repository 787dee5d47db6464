import { type EntityManager, In } from 'typeorm';
import type { StoredEvent } from '@erbm/shared/event-store';
import type { Park, Projection } from '@erbm/shared/projections';
import { type CommitmentEvent, type CommitmentState, LEDGERS, evolveCommitment, resteAPayer } from '@erbm/ledger/domain';
import { HABITAT_DOMAIN, HABITAT_OPERATION_AMENDED, HABITAT_OPERATION_REGISTERED, habitatOperationLocation } from '@erbm/habitat/contracts';
import { CommitmentRow, ConsolidatedTotalRow, OperationLocationRow } from './entities';
import { LedgerRegister1732200000001 } from './migrations';
import { CommitmentVersions1732200000004, type VersionSnapshot, recordVersions } from './versions';

const COMMITMENT_EVENT_TYPES = [
  'ledger.CommitmentAnnounced',
  'ledger.CommitmentProgrammed',
  'ledger.CommitmentMade',
  'ledger.CommitmentIncreased',
  'ledger.CommitmentReduced',
  'ledger.CommitmentCarriedOver',
  'ledger.CommitmentFundingLineChanged',
  'ledger.ServiceCertified',
  'ledger.PaymentOrdered',
  'ledger.PaymentMade',
  'ledger.CommitmentReleased',
  'ledger.CommitmentLapsed',
  'ledger.AmountRecovered',
  'ledger.CommitmentClosed',
  'ledger.CommitmentFactCorrected',
  'ledger.CommitmentWarningRaised',
];

/** Each domain's published events that say where its operations are. */
const LOCATORS = [{ domain: HABITAT_DOMAIN, types: [HABITAT_OPERATION_REGISTERED, HABITAT_OPERATION_AMENDED], locate: habitatOperationLocation }];

const commitmentIdOf = (streamName: string) => /^commitment-(.+)$/.exec(streamName)?.[1];
const totalKey = (r: Pick<CommitmentRow, 'financer' | 'domain' | 'fundingLine' | 'arrondissement' | 'fiscalYear'>) =>
  JSON.stringify([r.financer, r.domain, r.fundingLine, r.arrondissement, r.fiscalYear]);
const MONEY = [...LEDGERS, 'resteAPayer'] as const;

/**
 * The commitment register, the operations' locations and the consolidated totals, in one projection so that every
 * total equals the sum of the commitment rows behind it after every batch: totals move by each row's difference.
 */
export class LedgerRegisterProjection implements Projection {
  readonly name = 'ledger-register';
  readonly schema = 'rm_ledger';
  readonly handles = new Set([...COMMITMENT_EVENT_TYPES, ...LOCATORS.flatMap((l) => l.types)]);
  readonly entities = [CommitmentRow, OperationLocationRow, ConsolidatedTotalRow];
  readonly migrations = [LedgerRegister1732200000001, CommitmentVersions1732200000004];

  async apply(events: StoredEvent[], manager: EntityManager, park: Park): Promise<void> {
    const commitmentIds = new Set<string>();
    const operationIds = new Set<string>();
    for (const e of events) {
      const id = commitmentIdOf(e.streamName);
      if (id && e.type.startsWith('ledger.')) commitmentIds.add(id);
      for (const l of LOCATORS) if (l.types.includes(e.type)) operationIds.add(l.locate(e)?.operationId ?? '');
      if (e.type === 'ledger.CommitmentAnnounced') operationIds.add((e.data as { operationId: string }).operationId);
    }
    operationIds.delete('');
    const locations = new Map((await manager.find(OperationLocationRow, { where: { operationId: In([...operationIds]) } })).map((l) => [l.operationId, l]));
    const located = new Set<string>();
    const loaded = await manager.find(CommitmentRow, {
      where: [{ id: In([...commitmentIds]) }, ...(operationIds.size ? [{ operationId: In([...operationIds]) }] : [])],
    });
    const before = new Map(loaded.map((r) => [r.id, { ...r }]));
    const rows = new Map(loaded.map((r) => [r.id, r]));
    // Every change of a row, in log order: the versions that answer "as known at" questions.
    const versions: VersionSnapshot[] = [];
    const touched = new Set<string>();

    for (const event of events) {
      try {
        const locator = LOCATORS.find((l) => l.types.includes(event.type));
        if (locator) {
          const where = locator.locate(event);
          if (!where) continue;
          const current = locations.get(where.operationId) ?? { operationId: where.operationId, domain: locator.domain, name: null, arrondissement: '', communeInsee: null };
          const next = { ...current, ...(where.name !== undefined ? { name: where.name } : {}), ...(where.arrondissement !== undefined ? { arrondissement: where.arrondissement } : {}), ...(where.communeInsee !== undefined ? { communeInsee: where.communeInsee } : {}) };
          locations.set(where.operationId, next);
          located.add(where.operationId);
          for (const row of rows.values())
            if (row.operationId === where.operationId) {
              row.arrondissement = next.arrondissement;
              row.operationName = next.name;
              touched.add(row.id);
              versions.push(versionOf(row, event));
            }
          continue;
        }
        const id = commitmentIdOf(event.streamName);
        if (!id) throw new Error(`${event.type} outside a commitment stream (${event.streamName})`);
        const row = rows.get(id);
        if (row && event.revision <= row.revision) continue;
        const expected = row ? row.revision + 1 : 0;
        if (event.revision !== expected) throw new Error(`revision ${event.revision} of ${event.streamName} follows ${expected - 1}: an event is missing`);
        const state = evolveCommitment(row?.state ?? { status: 'none' }, { type: event.type, data: event.data } as CommitmentEvent);
        rows.set(id, this.toRow(id, state, event, row, locations));
        touched.add(id);
        versions.push(versionOf(rows.get(id) as CommitmentRow, event));
      } catch (error) {
        park(event, error);
      }
    }

    const changed = [...touched].map((id) => rows.get(id) as CommitmentRow);
    for (let i = 0; i < changed.length; i += 500)
      await manager.createQueryBuilder().insert().into(CommitmentRow).values(changed.slice(i, i + 500)).orUpdate(Object.values(COMMITMENT_COLUMNS), ['id']).execute();
    const moved = [...located].map((id) => locations.get(id) as OperationLocationRow);
    if (moved.length) await manager.createQueryBuilder().insert().into(OperationLocationRow).values(moved).orUpdate(['domain', 'name', 'arrondissement', 'commune_insee'], ['operation_id']).execute();
    await this.moveTotals(manager, changed, before);
    await recordVersions(manager, versions);
  }

  private toRow(id: string, state: CommitmentState, event: StoredEvent, previous: CommitmentRow | undefined, locations: Map<string, OperationLocationRow>): CommitmentRow {
    if (state.status === 'none') throw new Error('a commitment event left no commitment');
    const where = locations.get(state.operationId);
    const row = previous ?? new CommitmentRow();
    Object.assign(row, {
      id,
      domain: state.domain,
      operationId: state.operationId,
      // A batch loads only the locations its own events need; a row keeps the one it has otherwise.
      operationName: where ? where.name : (previous?.operationName ?? null),
      financer: state.financer,
      fundingLine: state.fundingLine,
      arrondissement: where ? where.arrondissement : (previous?.arrondissement ?? ''),
      fiscalYear: state.fiscalYear,
      status: state.status,
      ...state.ledgers,
      resteAPayer: resteAPayer(state.ledgers),
      warningCount: state.warnings.length,
      warnings: state.warnings,
      decisions: state.decisions,
      legalActs: state.legalActs,
      revision: event.revision,
      lastRecordedAt: new Date(event.recordedAt),
      state,
    });
    return row;
  }

  /** Totals move by the difference of each changed row: out of its old key, into its new one. */
  private async moveTotals(manager: EntityManager, changed: CommitmentRow[], before: Map<string, CommitmentRow>): Promise<void> {
    const deltas = new Map<string, Record<string, number> & { key: CommitmentRow }>();
    const add = (row: CommitmentRow, sign: 1 | -1) => {
      const key = totalKey(row);
      const d = deltas.get(key) ?? Object.assign({ key: row, commitments: 0 }, Object.fromEntries(MONEY.map((m) => [m, 0])));
      d.commitments += sign;
      for (const m of MONEY) d[m] += sign * (row[m] as number);
      deltas.set(key, d);
    };
    for (const row of changed) {
      const old = before.get(row.id);
      if (old) add(old, -1);
      add(row, 1);
    }
    const values = [...deltas.values()].filter((d) => d.commitments !== 0 || MONEY.some((m) => d[m] !== 0));
    const table = `"${(manager.connection.options as { schema: string }).schema}".consolidated_totals`;
    for (let i = 0; i < values.length; i += 500) {
      const chunk = values.slice(i, i + 500);
      const params: unknown[] = [];
      const tuples = chunk.map((d) => {
        const fields = [d.key.financer, d.key.domain, d.key.fundingLine, d.key.arrondissement, d.key.fiscalYear, d.commitments, ...MONEY.map((m) => d[m])];
        const start = params.length;
        params.push(...fields);
        return `(${fields.map((_, j) => `$${start + j + 1}`).join(', ')})`;
      });
      const cols = ['financer', 'domain', 'funding_line', 'arrondissement', 'fiscal_year', 'commitments', ...MONEY.map((m) => COMMITMENT_COLUMNS[m])];
      const increments = cols.slice(5).map((c) => `${c} = t.${c} + EXCLUDED.${c}`).join(', ');
      await manager.query(
        `INSERT INTO ${table} AS t (${cols.join(', ')}) VALUES ${tuples.join(', ')}
         ON CONFLICT (financer, domain, funding_line, arrondissement, fiscal_year) DO UPDATE SET ${increments}`,
        params,
      );
    }
    await manager.query(`DELETE FROM ${table} WHERE commitments = 0`);
  }
}

const COMMITMENT_COLUMNS: Record<string, string> = {
  domain: 'domain',
  operationId: 'operation_id',
  operationName: 'operation_name',
  financer: 'financer',
  fundingLine: 'funding_line',
  arrondissement: 'arrondissement',
  fiscalYear: 'fiscal_year',
  status: 'status',
  announced: 'announced',
  programmed: 'programmed',
  committed: 'committed',
  certified: 'certified',
  ordered: 'ordered',
  paid: 'paid',
  released: 'released',
  recovered: 'recovered',
  resteAPayer: 'reste_a_payer',
  warningCount: 'warning_count',
  warnings: 'warnings',
  decisions: 'decisions',
  legalActs: 'legal_acts',
  revision: 'revision',
  lastRecordedAt: 'last_recorded_at',
  state: 'state',
};

/** The row as this event left it: its axes and ledgers, valid from the event on. */
function versionOf(row: CommitmentRow, event: StoredEvent): VersionSnapshot {
  const { id, domain, financer, fundingLine, arrondissement, fiscalYear, status } = row;
  return { row: { id, domain, financer, fundingLine, arrondissement, fiscalYear, status, ...Object.fromEntries(MONEY.map((m) => [m, row[m]])) }, event: { position: event.position, recordedAt: event.recordedAt } };
}

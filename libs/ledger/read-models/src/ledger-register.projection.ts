import type { EntityManager } from 'typeorm';
import type { StoredEvent } from '@erbm/shared/event-store';
import type { Park, Projection } from '@erbm/shared/projections';
import type { DomainLocator, OperationLocator } from '@erbm/shared/kernel';
import { type CommitmentEvent, type CommitmentState, LEDGERS, evolveCommitment, resteAPayer } from '@erbm/ledger/domain';
import { CommitmentRow, ConsolidatedTotalRow, OperationLocationRow } from './entities';
import { CommitmentStorage1732200000005, LedgerRegister1732200000001 } from './migrations';
import { CommitmentVersions1732200000004, type VersionSnapshot, recordVersions } from './versions';
import { fullState, leanState } from './stored-state';

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

/** The name of the ledger register projection: the data source every reader of the register asks for. */
export const LEDGER_REGISTER = 'ledger-register';

const commitmentIdOf = (streamName: string) => /^commitment-(.+)$/.exec(streamName)?.[1];
const totalKey = (r: Pick<CommitmentRow, 'financer' | 'domain' | 'fundingLine' | 'arrondissement' | 'fiscalYear'>) =>
  JSON.stringify([r.financer, r.domain, r.fundingLine, r.arrondissement, r.fiscalYear]);
const MONEY = [...LEDGERS, 'resteAPayer'] as const;

/**
 * The commitment register, the operations' locations and the consolidated totals, in one projection so that every
 * total equals the sum of the commitment rows behind it after every batch: totals move by each row's difference.
 */
export class LedgerRegisterProjection implements Projection {
  readonly name = LEDGER_REGISTER;
  readonly schema = 'rm_ledger';
  readonly handles: Set<string>;
  readonly entities = [CommitmentRow, OperationLocationRow, ConsolidatedTotalRow];
  readonly migrations = [LedgerRegister1732200000001, CommitmentVersions1732200000004, CommitmentStorage1732200000005];
  /** Each domain's published events that say where its operations are, from the domain registry. */
  private readonly locators: readonly DomainLocator[];

  constructor(locators: readonly DomainLocator[]) {
    this.locators = locators;
    this.handles = new Set([...COMMITMENT_EVENT_TYPES, ...locators.flatMap((l) => l.types)]);
  }

  async apply(events: StoredEvent[], manager: EntityManager, park: Park): Promise<void> {
    const schema = `"${(manager.connection.options as { schema: string }).schema}"`;
    const commitmentIds = new Set<string>();
    const operationIds = new Set<string>();
    /** Operations a locator event of the batch moves: all their commitment rows follow. */
    const locatedIds = new Set<string>();
    for (const e of events) {
      const id = commitmentIdOf(e.streamName);
      if (id && e.type.startsWith('ledger.')) commitmentIds.add(id);
      for (const l of this.locators)
        if (l.types.includes(e.type)) {
          const operationId = l.locate(e)?.operationId ?? '';
          operationIds.add(operationId);
          locatedIds.add(operationId);
        }
      if (e.type === 'ledger.CommitmentAnnounced') operationIds.add((e.data as { operationId: string }).operationId);
    }
    operationIds.delete('');
    locatedIds.delete('');
    const locations = new Map<string, OperationLocationRow>();
    if (operationIds.size)
      for (const l of await manager.query(`SELECT operation_id, domain, name, arrondissement, commune_insee FROM ${schema}.operation_locations WHERE operation_id = ANY($1::text[])`, [pgArray(operationIds)]))
        locations.set(l.operation_id, { operationId: l.operation_id, domain: l.domain, name: l.name, arrondissement: l.arrondissement, communeInsee: l.commune_insee });
    const located = new Set<string>();
    // Rows of the batch's commitments, and every row of an operation that a locator event moves (a commitment announced
    // for an operation needs the operation's location, not its siblings' rows). Only the columns a row's next version
    // is made from: the JSON columns other than `state` are parts of it.
    const loaded: CommitmentRow[] = (
      await manager.query(`SELECT ${LOADED_COLUMNS.join(', ')} FROM ${schema}.commitments WHERE id = ANY($1::uuid[]) OR operation_id = ANY($2::text[])`, [
        pgArray(commitmentIds),
        pgArray(locatedIds),
      ])
    ).map(fromDatabase);
    const before = new Map(loaded.map((r) => [r.id, { ...r }]));
    const rows = new Map(loaded.map((r) => [r.id, r]));
    /** The batch's rows by operation: what a locator event moves (a commitment's operation never changes). */
    const byOperation = new Map<string, CommitmentRow[]>();
    const index = (row: CommitmentRow) => {
      const list = byOperation.get(row.operationId);
      if (list) list.push(row);
      else byOperation.set(row.operationId, [row]);
    };
    loaded.forEach(index);
    // Every change of a row, in log order: the versions that answer "as known at" questions.
    const versions: VersionSnapshot[] = [];
    const touched = new Set<string>();
    /** Rows a commitment event changed (the others in `touched` only moved with their operation). */
    const evolved = new Set<string>();

    for (const event of events) {
      try {
        const locator = this.locators.find((l) => l.types.includes(event.type));
        if (locator) {
          const where = locator.locate(event);
          if (!where) continue;
          const current = locations.get(where.operationId) ?? { operationId: where.operationId, domain: locator.domain, name: null, arrondissement: '', communeInsee: null };
          const next = { ...current, ...(where.name !== undefined ? { name: where.name } : {}), ...(where.arrondissement !== undefined ? { arrondissement: where.arrondissement } : {}), ...(where.communeInsee !== undefined ? { communeInsee: where.communeInsee } : {}) };
          locations.set(where.operationId, next);
          located.add(where.operationId);
          for (const row of byOperation.get(where.operationId) ?? []) {
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
        const updated = this.toRow(id, state, event, row, locations);
        if (!row) {
          rows.set(id, updated);
          index(updated);
        }
        touched.add(id);
        evolved.add(id);
        versions.push(versionOf(rows.get(id) as CommitmentRow, event));
      } catch (error) {
        park(event, error);
      }
    }

    const changed = [...touched].map((id) => rows.get(id) as CommitmentRow);
    // Rows written whole: one statement per 1,000, their values in one JSON parameter that PostgreSQL expands.
    const whole = changed.filter((r) => evolved.has(r.id));
    for (let i = 0; i < whole.length; i += 1_000) await manager.query(upsertCommitments(schema), [JSON.stringify(whole.slice(i, i + 1_000).map(toDatabase))]);
    // Rows that only moved with their operation: the rest of the row is what it was.
    const relocated = changed.filter((r) => !evolved.has(r.id));
    if (relocated.length)
      await manager.query(
        `UPDATE ${schema}.commitments c SET arrondissement = r.arrondissement, operation_name = r.operation_name
           FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, arrondissement text, operation_name text) WHERE c.id = r.id`,
        [JSON.stringify(relocated.map((r) => ({ id: r.id, arrondissement: r.arrondissement, operation_name: r.operationName })))],
      );
    const moved = [...located].map((id) => locations.get(id) as OperationLocationRow);
    if (moved.length)
      await manager.query(
        `INSERT INTO ${schema}.operation_locations (operation_id, domain, name, arrondissement, commune_insee)
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(operation_id text, domain text, name text, arrondissement text, commune_insee text)
         ON CONFLICT (operation_id) DO UPDATE SET domain = EXCLUDED.domain, name = EXCLUDED.name, arrondissement = EXCLUDED.arrondissement, commune_insee = EXCLUDED.commune_insee`,
        [JSON.stringify(moved.map((l) => ({ operation_id: l.operationId, domain: l.domain, name: l.name, arrondissement: l.arrondissement, commune_insee: l.communeInsee })))],
      );
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

/**
 * An array parameter as the text of a PostgreSQL array literal: the planner sees the values, as with a list of
 * parameters, and the embedded database's driver passes text as it is.
 */
const pgArray = (values: Iterable<string>): string => `{${[...values].map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
const MONEY_COLUMNS = new Set(MONEY.map((m) => COMMITMENT_COLUMNS[m]));
/** Parts of `state` kept in columns of their own: written from it, never read back. */
const STATE_PARTS = new Map([
  ['warnings', 'warnings'],
  ['decisions', 'decisions'],
  ['legal_acts', 'legalActs'],
]);
const COLUMN_TYPES: Record<string, string> = { id: 'uuid', fiscal_year: 'int', warning_count: 'int', revision: 'int', last_recorded_at: 'timestamptz', state: 'jsonb' };
const typeOf = (column: string) => (MONEY_COLUMNS.has(column) ? 'bigint' : (COLUMN_TYPES[column] ?? 'text'));
const ALL_COLUMNS = ['id', ...Object.values(COMMITMENT_COLUMNS)];
/**
 * What the next version of a row is made from (with `state`), what its totals move out of, and what a row that only
 * moves with its operation keeps (its version snapshot included).
 */
const LOADED_COLUMNS = ['id', 'domain', 'operation_id', 'operation_name', 'financer', 'funding_line', 'arrondissement', 'fiscal_year', 'status', ...MONEY_COLUMNS, 'revision', 'state'];
const SENT_COLUMNS = ALL_COLUMNS.filter((c) => !STATE_PARTS.has(c));

/** A sent column read from the JSON array of a row's values (in SENT_COLUMNS order). */
const sentValue = (column: string): string => {
  const i = SENT_COLUMNS.indexOf(column);
  return typeOf(column) === 'jsonb' ? `(x->${i})` : `(x->>${i})::${typeOf(column)}`;
};

/** The upsert of whole commitment rows, from a JSON array of rows, each the array of its SENT_COLUMNS values. */
const upsertCommitments = (schema: string): string => `INSERT INTO ${schema}.commitments (${ALL_COLUMNS.join(', ')})
  SELECT ${ALL_COLUMNS.map((c) => (STATE_PARTS.has(c) ? `${sentValue('state')} -> '${STATE_PARTS.get(c)}'` : sentValue(c))).join(', ')}
    FROM jsonb_array_elements($1::jsonb) AS x
  ON CONFLICT (id) DO UPDATE SET ${ALL_COLUMNS.slice(1).map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`;

const PROPERTY = Object.fromEntries([['id', 'id'], ...Object.entries(COMMITMENT_COLUMNS).map(([p, c]) => [c, p])]) as Record<string, string>;

/** A row as the entity has it (bigint cents as numbers), from the driver's row of LOADED_COLUMNS. */
function fromDatabase(r: Record<string, unknown>): CommitmentRow {
  const row: Record<string, unknown> = {};
  for (const column of LOADED_COLUMNS) row[PROPERTY[column]] = MONEY_COLUMNS.has(column) ? Number(r[column]) : r[column];
  row.state = fullState(r.state);
  return row as unknown as CommitmentRow;
}

/** A row's SENT_COLUMNS values, in that order (the decider state lean). */
function toDatabase(row: CommitmentRow): unknown[] {
  return SENT_COLUMNS.map((column) => (column === 'state' ? leanState(row.state) : (row as unknown as Record<string, unknown>)[PROPERTY[column]]));
}

/** The row as this event left it: its axes and ledgers, valid from the event on. */
function versionOf(row: CommitmentRow, event: StoredEvent): VersionSnapshot {
  const { id, domain, financer, fundingLine, arrondissement, fiscalYear, status } = row;
  return { row: { id, domain, financer, fundingLine, arrondissement, fiscalYear, status, ...Object.fromEntries(MONEY.map((m) => [m, row[m]])) }, event: { position: event.position, recordedAt: event.recordedAt } };
}

/** What the read side needs of a domain: its name, where its operations are, and its own projections. */
export interface ProjectedDomain {
  name: string;
  operations: { locator: OperationLocator };
  projections(): Projection[];
}

/** The read models of a set of domains: the ledger register (placing commitments by their locators), then each domain's. */
export const projectionsOf = (domains: readonly ProjectedDomain[]): Projection[] => [
  new LedgerRegisterProjection(domains.map((d) => ({ domain: d.name, ...d.operations.locator }))),
  ...domains.flatMap((d) => d.projections()),
];

import type { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import type { StoredEvent } from '@erbm/shared/event-store';
import { type Park, type Projection, type Row, column, loadRows, pgArray, readRows, schemaOf, selectList, table, upsertRows } from '@erbm/shared/projections';
import { listOfAll } from '@erbm/shared/kernel';
import { type BeneficiaryEvent, type BeneficiaryKind, type BeneficiaryState, type BeneficiaryStatus, evolveBeneficiary } from '@erbm/ledger/domain';

/** The name of the beneficiaries' projection: the data source their list and the SGAR's labels ask for. */
export const BENEFICIARIES = 'beneficiaries';

/** One row per beneficiary: what its list searches (identifiers, every name) and shows. */
export const BENEFICIARY_ROWS = table({
  name: 'beneficiaries',
  key: ['id'],
  columns: {
    id: column.text('id'),
    legalName: column.text('legal_name'),
    otherNames: column.jsonb<string[]>('other_names'),
    kind: column.text('kind'),
    siret: column.text('siret', { nullable: true }),
    siren: column.text('siren', { nullable: true }),
    rna: column.text('rna', { nullable: true }),
    status: column.text('status'),
    /** Every name, upper-cased, one a line: what `q` searches. */
    names: column.text('names'),
    registeredOn: column.date('registered_on'),
    revision: column.int('revision'),
    state: column.jsonb<BeneficiaryState>('state'),
  },
});
export type BeneficiaryRow = Row<typeof BENEFICIARY_ROWS>;

export class Beneficiaries1732200000017 implements MigrationInterface {
  name = 'Beneficiaries1732200000017';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`CREATE TABLE ${s}.beneficiaries (
      id text PRIMARY KEY, legal_name text NOT NULL, other_names jsonb NOT NULL, kind text NOT NULL,
      siret text, siren text, rna text, status text NOT NULL, names text NOT NULL, registered_on date NOT NULL,
      revision int NOT NULL, state jsonb NOT NULL)`);
    await q.query(`CREATE INDEX beneficiaries_siret ON ${s}.beneficiaries (siret)`);
    await q.query(`CREATE INDEX beneficiaries_status ON ${s}.beneficiaries (status)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${schemaOf(q)}.beneficiaries`);
  }
}

const beneficiaryIdOf = (streamName: string) => /^beneficiary-(?!siret-)(.+)$/.exec(streamName)?.[1];
const searchable = (s: Exclude<BeneficiaryState, { status: 'none' }>) => [s.legalName, ...s.otherNames].map((n) => n.toLocaleUpperCase('fr')).join('\n');

/** The beneficiaries as their streams make them, evolved with the decider's own code. */
export class BeneficiariesProjection implements Projection {
  readonly name = BENEFICIARIES;
  readonly schema = 'rm_beneficiaries';
  readonly handles = new Set<string>(listOfAll<BeneficiaryEvent['type']>()(['beneficiary.Registered', 'beneficiary.NameAdded', 'beneficiary.Resolved']));
  readonly entities = [];
  readonly migrations = [Beneficiaries1732200000017];

  async apply(events: StoredEvent[], manager: EntityManager, park: Park): Promise<void> {
    const ids = new Set(events.map((e) => beneficiaryIdOf(e.streamName) ?? ''));
    ids.delete('');
    const rows = new Map(
      (ids.size ? await loadRows(manager, BENEFICIARY_ROWS, { where: 'id = ANY($1::text[])', parameters: [pgArray(ids)] }) : []).map((r) => [r.id, r]),
    );
    const touched = new Set<string>();
    for (const e of events) {
      try {
        const id = beneficiaryIdOf(e.streamName);
        if (!id) throw new Error(`${e.type} outside a beneficiary stream (${e.streamName})`);
        const row = rows.get(id);
        if (row && e.revision <= row.revision) continue;
        if (e.revision !== (row ? row.revision + 1 : 0)) throw new Error(`revision ${e.revision} of ${e.streamName} does not follow ${row?.revision ?? -1}`);
        const state = evolveBeneficiary(row?.state ?? { status: 'none' }, { type: e.type, data: e.data } as BeneficiaryEvent);
        if (state.status === 'none') throw new Error('no beneficiary');
        rows.set(id, {
          id,
          legalName: state.legalName,
          otherNames: state.otherNames,
          kind: state.kind,
          siret: state.siret ?? null,
          siren: state.siren ?? null,
          rna: state.rna ?? null,
          status: state.status,
          names: searchable(state),
          registeredOn: state.registeredOn,
          revision: e.revision,
          state,
        });
        touched.add(id);
      } catch (error) {
        park(e, error);
      }
    }
    await upsertRows(
      manager,
      BENEFICIARY_ROWS,
      [...touched].map((id) => rows.get(id) as BeneficiaryRow),
    );
  }
}

const LISTED = ['id', 'legalName', 'otherNames', 'kind', 'siret', 'siren', 'rna', 'status', 'registeredOn', 'revision'] as const;
export type BeneficiarySummary = Pick<BeneficiaryRow, (typeof LISTED)[number]> & { kind: BeneficiaryKind; status: BeneficiaryStatus };

export interface BeneficiaryFilters {
  siret?: string;
  siren?: string;
  rna?: string;
  /** Part of any of its names, whatever the case. */
  q?: string;
  status?: BeneficiaryStatus;
}

const schemaName = (ds: DataSource) => `"${(ds.options as { schema: string }).schema}"`;

/** Beneficiaries matching every filter given, by legal name; `total` counts them all, past the page. */
export async function listBeneficiaries(
  ds: DataSource,
  filters: BeneficiaryFilters,
  page: { limit: number; offset: number },
): Promise<{ rows: BeneficiarySummary[]; total: number }> {
  const params: unknown[] = [];
  const clauses: string[] = [];
  for (const key of ['siret', 'siren', 'rna', 'status'] as const)
    if (filters[key] !== undefined) {
      params.push(filters[key]);
      clauses.push(`${BENEFICIARY_ROWS.columns[key].name} = $${params.length}`);
    }
  if (filters.q !== undefined) {
    params.push(`%${filters.q.toLocaleUpperCase('fr').replace(/[\\%_]/g, '\\$&')}%`);
    clauses.push(`names LIKE $${params.length}`);
  }
  const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
  const rows = await ds.query(
    `SELECT ${selectList(BENEFICIARY_ROWS, LISTED)} FROM ${schemaName(ds)}.beneficiaries ${where} ORDER BY legal_name, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, page.limit, page.offset],
  );
  const [{ total }] = await ds.query(`SELECT count(*)::int AS total FROM ${schemaName(ds)}.beneficiaries ${where}`, params);
  return { rows: readRows(BENEFICIARY_ROWS, rows, LISTED) as BeneficiarySummary[], total: Number(total) };
}

/** The legal names of these beneficiaries, for views that show an id (the SGAR's rows). */
export async function beneficiaryNames(ds: DataSource, ids: Iterable<string>): Promise<Map<string, string>> {
  const wanted = [...new Set(ids)].filter(Boolean);
  if (wanted.length === 0) return new Map();
  const rows: { id: string; legalName: string }[] = await ds.query(
    `SELECT id, legal_name AS "legalName" FROM ${schemaName(ds)}.beneficiaries WHERE id = ANY($1::text[])`,
    [pgArray(wanted)],
  );
  return new Map(rows.map((r) => [r.id, r.legalName]));
}

import { Column, type DataSource, Entity, type EntityManager, In, type MigrationInterface, PrimaryColumn, type QueryRunner } from 'typeorm';
import type { StoredEvent } from '@erbm/shared/event-store';
import type { IndicatorValue } from '@erbm/shared/kernel';
import { type Park, type Projection, schemaOf } from '@erbm/shared/projections';
import { COMMITMENT_EVENT_TYPES, type CommitmentEvent, type CommitmentState, evolveCommitment } from '@erbm/ledger/domain';
import {
  POLITIQUE_DE_LA_VILLE_COMMITMENT_ATTACHED,
  POLITIQUE_DE_LA_VILLE_CONVENTION_RECORDED,
  POLITIQUE_DE_LA_VILLE_DOMAIN,
  POLITIQUE_DE_LA_VILLE_FUNDING_WARNING_RAISED,
  POLITIQUE_DE_LA_VILLE_OPERATION_AMENDED,
  POLITIQUE_DE_LA_VILLE_OPERATION_REGISTERED,
  type PolitiqueDeLaVilleOperationKind,
  politiqueDeLaVilleOperationIdOf,
} from '@erbm/politique-de-la-ville/contracts';
import { type IndicatorCode, type OperationEvent, type OperationState, evolveOperation, flatRateCents } from '@erbm/politique-de-la-ville/domain';

export const POLITIQUE_DE_LA_VILLE_REGISTER = 'politique-de-la-ville-register';
/** The funding line of programme 147 in the referential of funding lines. */
export const P147 = 'etat-p147';

/** Amounts in cents are below 2^53: a bigint column read back as a number. */
const cents = { to: (value: number | null) => value, from: (value: string | null) => (value === null ? null : Number(value)) };

/** One row per operation: what the lists show, and the decider's state to evolve. */
@Entity({ name: 'operations' })
export class PolitiqueDeLaVilleOperationRow {
  @PrimaryColumn('text') id!: string;
  @Column('text') kind!: PolitiqueDeLaVilleOperationKind;
  @Column('text') dispositif!: string;
  @Column('text') name!: string;
  @Column('text', { name: 'post_id', nullable: true }) postId!: string | null;
  @Column('text') departement!: string;
  @Column('text', { name: 'contrat_de_ville' }) contratDeVille!: string;
  @Column('text') arrondissement!: string;
  @Column('text', { name: 'beneficiary_id', nullable: true }) beneficiaryId!: string | null;
  @Column('text', { name: 'employer_name', nullable: true }) employerName!: string | null;
  @Column('jsonb') flags!: string[];
  @Column('bigint', { name: 'eligible_cost_cents', nullable: true, transformer: cents }) eligibleCostCents!: number | null;
  @Column('date', { name: 'registered_on' }) registeredOn!: string;
  @Column('int', { name: 'commitments' }) commitmentCount!: number;
  @Column('int') conventions!: number;
  @Column('int') warnings!: number;
  @Column('int') revision!: number;
  @Column('jsonb') state!: OperationState;
}

/** One row per commitment of the domain: the ledger's state of it, to evolve with its events. */
@Entity({ name: 'commitments' })
export class PolitiqueDeLaVilleCommitmentRow {
  @PrimaryColumn('text') id!: string;
  @Column('text', { name: 'operation_id' }) operationId!: string;
  @Column('int') revision!: number;
  @Column('jsonb') state!: CommitmentState;
}

export class PolitiqueDeLaVilleRegister1796213506594 implements MigrationInterface {
  name = 'PolitiqueDeLaVilleRegister1796213506594';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`CREATE TABLE ${s}.operations (
      id text PRIMARY KEY, kind text NOT NULL, dispositif text NOT NULL, name text NOT NULL, post_id text, departement text NOT NULL,
      contrat_de_ville text NOT NULL, arrondissement text NOT NULL, beneficiary_id text, employer_name text, flags jsonb NOT NULL,
      eligible_cost_cents bigint, registered_on date NOT NULL, commitments int NOT NULL, conventions int NOT NULL, warnings int NOT NULL,
      revision int NOT NULL, state jsonb NOT NULL)`);
    await q.query(`CREATE INDEX operations_post ON ${s}.operations (post_id)`);
    await q.query(`CREATE TABLE ${s}.commitments (id text PRIMARY KEY, operation_id text NOT NULL, revision int NOT NULL, state jsonb NOT NULL)`);
    // What each commitment committed net of releases, by the year and funding line the money moved in (ADR 0016).
    await q.query(`CREATE TABLE ${s}.fundings (
      commitment_id text NOT NULL, fiscal_year int NOT NULL, funding_line text NOT NULL, operation_id text NOT NULL, financer text NOT NULL,
      beneficiary_id text, net_committed_cents bigint NOT NULL, PRIMARY KEY (commitment_id, fiscal_year, funding_line))`);
    await q.query(`CREATE INDEX fundings_year ON ${s}.fundings (fiscal_year)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`DROP TABLE ${s}.fundings`);
    await q.query(`DROP TABLE ${s}.commitments`);
    await q.query(`DROP TABLE ${s}.operations`);
  }
}

const ROW_COLUMNS = [
  'kind',
  'dispositif',
  'name',
  'post_id',
  'departement',
  'contrat_de_ville',
  'arrondissement',
  'beneficiary_id',
  'employer_name',
  'flags',
  'eligible_cost_cents',
  'registered_on',
  'commitments',
  'conventions',
  'warnings',
  'revision',
  'state',
];

const COMMITMENT_TYPES: ReadonlySet<string> = new Set(COMMITMENT_EVENT_TYPES);

/** The operations of the domain, and what the State's and the partners' commitments on them committed per year. */
export class PolitiqueDeLaVilleRegisterProjection implements Projection {
  readonly name = POLITIQUE_DE_LA_VILLE_REGISTER;
  readonly schema = 'rm_politique_de_la_ville';
  readonly handles = new Set<string>([
    POLITIQUE_DE_LA_VILLE_OPERATION_REGISTERED,
    POLITIQUE_DE_LA_VILLE_OPERATION_AMENDED,
    POLITIQUE_DE_LA_VILLE_COMMITMENT_ATTACHED,
    POLITIQUE_DE_LA_VILLE_CONVENTION_RECORDED,
    POLITIQUE_DE_LA_VILLE_FUNDING_WARNING_RAISED,
    ...COMMITMENT_TYPES,
  ]);
  readonly entities = [PolitiqueDeLaVilleOperationRow, PolitiqueDeLaVilleCommitmentRow];
  readonly migrations = [PolitiqueDeLaVilleRegister1796213506594];

  async apply(events: StoredEvent[], manager: EntityManager, park: Park): Promise<void> {
    await this.applyOperations(
      events.filter((e) => !COMMITMENT_TYPES.has(e.type)),
      manager,
      park,
    );
    await this.applyCommitments(
      events.filter((e) => COMMITMENT_TYPES.has(e.type)),
      manager,
      park,
    );
  }

  private async applyOperations(events: StoredEvent[], manager: EntityManager, park: Park): Promise<void> {
    if (events.length === 0) return;
    const ids = [...new Set(events.flatMap((e) => politiqueDeLaVilleOperationIdOf(e.streamName) ?? []))];
    const loaded = ids.length ? await manager.find(PolitiqueDeLaVilleOperationRow, { where: { id: In(ids) } }) : [];
    const rows = new Map(loaded.map((r) => [r.id, r]));
    const touched = new Set<string>();
    for (const e of events) {
      try {
        const id = politiqueDeLaVilleOperationIdOf(e.streamName);
        if (!id) throw new Error(`${e.type} outside an operation stream`);
        const row = rows.get(id);
        if (row && e.revision <= row.revision) continue;
        if (e.revision !== (row ? row.revision + 1 : 0)) throw new Error(`revision ${e.revision} of ${e.streamName} does not follow ${row?.revision ?? -1}`);
        const state = evolveOperation(row?.state ?? { status: 'none' }, { type: e.type, data: e.data } as OperationEvent);
        if (state.status === 'none') throw new Error('no operation');
        const next = Object.assign(row ?? new PolitiqueDeLaVilleOperationRow(), {
          id,
          kind: state.kind,
          dispositif: state.dispositif,
          name: state.name,
          postId: state.postId ?? null,
          departement: state.departement,
          contratDeVille: state.contratDeVille ?? '',
          arrondissement: state.arrondissement ?? '',
          beneficiaryId: state.beneficiaryId ?? null,
          employerName: state.employerName ?? null,
          flags: state.flags ?? [],
          eligibleCostCents: state.eligibleCostCents ?? null,
          registeredOn: state.registeredOn,
          commitmentCount: state.financingPlan.length,
          conventions: state.conventions.length,
          warnings: state.warnings.length,
          revision: e.revision,
          state,
        });
        rows.set(id, next);
        touched.add(id);
      } catch (error) {
        park(e, error);
      }
    }
    const changed = [...touched].map((id) => rows.get(id) as PolitiqueDeLaVilleOperationRow);
    for (let i = 0; i < changed.length; i += 500)
      await manager
        .createQueryBuilder()
        .insert()
        .into(PolitiqueDeLaVilleOperationRow)
        .values(changed.slice(i, i + 500))
        .orUpdate(ROW_COLUMNS, ['id'])
        .execute();
  }

  /** The domain's commitments only: an announcement of another domain is skipped, and so are the events that follow it. */
  private async applyCommitments(events: StoredEvent[], manager: EntityManager, park: Park): Promise<void> {
    if (events.length === 0) return;
    const ids = [...new Set(events.map((e) => e.streamName.slice('commitment-'.length)))];
    const loaded = await manager.find(PolitiqueDeLaVilleCommitmentRow, { where: { id: In(ids) } });
    const rows = new Map(loaded.map((r) => [r.id, r]));
    const touched = new Set<string>();
    for (const e of events) {
      try {
        const id = e.streamName.slice('commitment-'.length);
        const row = rows.get(id);
        if (!row) {
          if (e.type !== 'ledger.CommitmentAnnounced' || (e.data as { domain?: string }).domain !== POLITIQUE_DE_LA_VILLE_DOMAIN) continue;
        } else if (e.revision <= row.revision) continue;
        const state = evolveCommitment(row?.state ?? { status: 'none' }, { type: e.type, data: e.data } as CommitmentEvent);
        if (state.status === 'none') throw new Error('no commitment');
        rows.set(id, Object.assign(row ?? new PolitiqueDeLaVilleCommitmentRow(), { id, operationId: state.operationId, revision: e.revision, state }));
        touched.add(id);
      } catch (error) {
        park(e, error);
      }
    }
    if (touched.size === 0) return;
    const changed = [...touched].map((id) => rows.get(id) as PolitiqueDeLaVilleCommitmentRow);
    const schema = (manager.connection.options as { schema: string }).schema;
    for (let i = 0; i < changed.length; i += 500) {
      const slice = changed.slice(i, i + 500);
      await manager
        .createQueryBuilder()
        .insert()
        .into(PolitiqueDeLaVilleCommitmentRow)
        .values(slice)
        .orUpdate(['operation_id', 'revision', 'state'], ['id'])
        .execute();
      await manager.query(`DELETE FROM "${schema}".fundings WHERE commitment_id = ANY($1::text[])`, [slice.map((r) => r.id)]);
      const fundings = slice.flatMap((r) =>
        r.state.status === 'none'
          ? []
          : r.state.buckets.map((b) => ({
              commitment_id: r.id,
              fiscal_year: b.fiscalYear,
              funding_line: b.fundingLine,
              operation_id: r.operationId,
              financer: (r.state as { financer: string }).financer,
              beneficiary_id: (r.state as { beneficiaryId?: string }).beneficiaryId ?? null,
              net_committed_cents: b.ledgers.committed - b.ledgers.released,
            })),
      );
      if (fundings.length)
        await manager.query(
          `INSERT INTO "${schema}".fundings (commitment_id, fiscal_year, funding_line, operation_id, financer, beneficiary_id, net_committed_cents)
           SELECT * FROM json_to_recordset($1::json) AS d(commitment_id text, fiscal_year int, funding_line text, operation_id text, financer text,
             beneficiary_id text, net_committed_cents bigint)`,
          [JSON.stringify(fundings)],
        );
    }
  }
}

const schemaOfSource = (dataSource: DataSource): string => (dataSource.options as { schema: string }).schema;

/** One year's figures of the domain per arrondissement ('' when the contrat de ville says none), by indicator. */
export interface YearIndicators {
  fiscalYear: number;
  values: { indicator: IndicatorCode; arrondissement: string; value: number }[];
  /** Per contrat de ville: what the State committed on P147, for the € per QPV inhabitant. */
  byContratDeVille: { contratDeVille: string; netCommittedCents: number }[];
}

/** The years with funding recorded, oldest first. */
export async function fundedYears(dataSource: DataSource): Promise<number[]> {
  const rows: { y: number }[] = await dataSource.query(
    `SELECT DISTINCT fiscal_year AS y FROM "${schemaOfSource(dataSource)}".fundings WHERE net_committed_cents <> 0 ORDER BY 1`,
  );
  return rows.map((r) => Number(r.y));
}

/** The indicators of one fiscal year, from the register: see `INDICATOR_DEFINITIONS` for what each counts. */
export async function yearIndicators(dataSource: DataSource, fiscalYear: number): Promise<YearIndicators> {
  const rows: {
    operation_id: string;
    kind: PolitiqueDeLaVilleOperationKind;
    arrondissement: string;
    contrat_de_ville: string;
    beneficiary: string | null;
    p147: string;
    total: string;
  }[] = await dataSource.query(
    `SELECT f.operation_id, o.kind, o.arrondissement, o.contrat_de_ville, COALESCE(f.beneficiary_id, o.beneficiary_id) AS beneficiary,
              SUM(CASE WHEN f.financer = 'etat' AND f.funding_line = $2 THEN f.net_committed_cents ELSE 0 END)::text AS p147,
              SUM(f.net_committed_cents)::text AS total
         FROM "${schemaOfSource(dataSource)}".fundings f JOIN "${schemaOfSource(dataSource)}".operations o ON o.id = f.operation_id
        WHERE f.fiscal_year = $1 GROUP BY 1, 2, 3, 4, 5`,
    [fiscalYear, P147],
  );
  const values = new Map<string, { indicator: IndicatorCode; arrondissement: string; value: number }>();
  const posts = new Map<string, Set<string>>();
  const structures = new Map<string, Set<string>>();
  const add = (indicator: IndicatorCode, arrondissement: string, value: number) => {
    const key = `${indicator}\u0000${arrondissement}`;
    const v = values.get(key) ?? { indicator, arrondissement, value: 0 };
    v.value += value;
    values.set(key, v);
  };
  const byCv = new Map<string, number>();
  for (const r of rows) {
    const p147 = Number(r.p147);
    const total = Number(r.total);
    if (r.kind !== 'action' && p147 > 0) {
      const code: IndicatorCode = r.kind === 'poste-adulte-relais' ? 'postes-adultes-relais' : 'postes-fonjep';
      const set = posts.get(`${code}\u0000${r.arrondissement}`) ?? new Set<string>();
      set.add(r.operation_id);
      posts.set(`${code}\u0000${r.arrondissement}`, set);
      const rate = flatRateCents(r.kind, fiscalYear);
      if (rate) add('etp-finances', r.arrondissement, p147 / rate);
    }
    if (total > 0 && r.beneficiary) {
      const set = structures.get(r.arrondissement) ?? new Set<string>();
      set.add(r.beneficiary);
      structures.set(r.arrondissement, set);
    }
    if (r.contrat_de_ville) byCv.set(r.contrat_de_ville, (byCv.get(r.contrat_de_ville) ?? 0) + p147);
  }
  for (const [key, set] of posts) {
    const [indicator, arrondissement] = key.split('\u0000') as [IndicatorCode, string];
    add(indicator, arrondissement, set.size);
  }
  for (const [arrondissement, set] of structures) add('structures-financees', arrondissement, set.size);
  return {
    fiscalYear,
    values: [...values.values()]
      .map((v) => (v.indicator === 'etp-finances' ? { ...v, value: Math.round(v.value * 100) / 100 } : v))
      .sort((a, b) => a.indicator.localeCompare(b.indicator) || a.arrondissement.localeCompare(b.arrondissement)),
    byContratDeVille: [...byCv]
      .map(([contratDeVille, netCommittedCents]) => ({ contratDeVille, netCommittedCents }))
      .sort((a, b) => a.contratDeVille.localeCompare(b.contratDeVille)),
  };
}

/** The indicators per arrondissement for the SGAR's views: those of the latest year with funding (none before any). */
export async function readPolitiqueDeLaVilleIndicators(dataSource: DataSource): Promise<IndicatorValue[]> {
  const years = await fundedYears(dataSource);
  if (years.length === 0) return [];
  return (await yearIndicators(dataSource, years[years.length - 1])).values;
}

export type PolitiqueDeLaVilleOperationListItem = Omit<PolitiqueDeLaVilleOperationRow, 'state'>;

/** The operations of the register, oldest first, narrowed by kind, post id or flag. */
export function listPolitiqueDeLaVilleOperations(
  dataSource: DataSource,
  filter: { kind?: string; postId?: string; arrondissement?: string } = {},
): Promise<PolitiqueDeLaVilleOperationListItem[]> {
  return dataSource.getRepository(PolitiqueDeLaVilleOperationRow).find({
    select: {
      id: true,
      kind: true,
      dispositif: true,
      name: true,
      postId: true,
      departement: true,
      contratDeVille: true,
      arrondissement: true,
      beneficiaryId: true,
      employerName: true,
      flags: true,
      eligibleCostCents: true,
      registeredOn: true,
      commitmentCount: true,
      conventions: true,
      warnings: true,
      revision: true,
    },
    where: {
      ...(filter.kind ? { kind: filter.kind as PolitiqueDeLaVilleOperationKind } : {}),
      ...(filter.postId ? { postId: filter.postId } : {}),
      ...(filter.arrondissement !== undefined ? { arrondissement: filter.arrondissement } : {}),
    },
    order: { registeredOn: 'ASC', id: 'ASC' },
  });
}

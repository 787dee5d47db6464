import { Column, type DataSource, Entity, type EntityManager, In, type MigrationInterface, PrimaryColumn, type QueryRunner } from 'typeorm';
import type { StoredEvent } from '@erbm/shared/event-store';
import type { IndicatorValue } from '@erbm/shared/kernel';
import { type Park, type Projection, schemaOf } from '@erbm/shared/projections';
import {
  POLITIQUE_DE_LA_VILLE_COMMITMENT_ATTACHED,
  POLITIQUE_DE_LA_VILLE_OPERATION_AMENDED,
  POLITIQUE_DE_LA_VILLE_OPERATION_REGISTERED,
  politiqueDeLaVilleOperationIdOf,
} from '@erbm/politique-de-la-ville/contracts';
import {
  INDICATOR_CODES,
  type IndicatorValues,
  type OperationEvent,
  type OperationState,
  evolveOperation,
  operationIndicators,
} from '@erbm/politique-de-la-ville/domain';

export const POLITIQUE_DE_LA_VILLE_REGISTER = 'politique-de-la-ville-register';

/** Amounts in cents are below 2^53: a bigint column read back as a number. */
const cents = { to: (value: number | null) => value, from: (value: string | null) => (value === null ? null : Number(value)) };

/** One row per operation: what the list shows, its contribution to each indicator, and the decider's state to evolve. */
@Entity({ name: 'operations' })
export class PolitiqueDeLaVilleOperationRow {
  @PrimaryColumn('text') id!: string;
  @Column('text') name!: string;
  @Column('text', { name: 'commune_insee' }) communeInsee!: string;
  @Column('text') arrondissement!: string;
  @Column('bigint', { name: 'eligible_cost_cents', nullable: true, transformer: cents }) eligibleCostCents!: number | null;
  @Column('date', { name: 'registered_on' }) registeredOn!: string;
  @Column('int', { name: 'commitments' }) commitmentCount!: number;
  @Column('jsonb') indicators!: IndicatorValues;
  @Column('int') revision!: number;
  @Column('jsonb') state!: OperationState;
}

export class PolitiqueDeLaVilleRegister1796213506594 implements MigrationInterface {
  name = 'PolitiqueDeLaVilleRegister1796213506594';

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`CREATE TABLE ${s}.operations (
      id text PRIMARY KEY, name text NOT NULL, commune_insee text NOT NULL, arrondissement text NOT NULL, eligible_cost_cents bigint,
      registered_on date NOT NULL, commitments int NOT NULL, indicators jsonb NOT NULL, revision int NOT NULL, state jsonb NOT NULL)`);
    await q.query(`CREATE INDEX operations_arrondissement ON ${s}.operations (arrondissement)`);
    await q.query(`CREATE TABLE ${s}.indicator_totals (
      indicator text NOT NULL, arrondissement text NOT NULL, value bigint NOT NULL DEFAULT 0, PRIMARY KEY (indicator, arrondissement))`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`DROP TABLE ${s}.indicator_totals`);
    await q.query(`DROP TABLE ${s}.operations`);
  }
}

const ROW_COLUMNS = ['name', 'commune_insee', 'arrondissement', 'eligible_cost_cents', 'registered_on', 'commitments', 'indicators', 'revision', 'state'];

/** The operation register and the indicator totals per arrondissement, moved by each operation's difference. */
export class PolitiqueDeLaVilleRegisterProjection implements Projection {
  readonly name = POLITIQUE_DE_LA_VILLE_REGISTER;
  readonly schema = 'rm_politique_de_la_ville';
  readonly handles = new Set<string>([
    POLITIQUE_DE_LA_VILLE_OPERATION_REGISTERED,
    POLITIQUE_DE_LA_VILLE_OPERATION_AMENDED,
    POLITIQUE_DE_LA_VILLE_COMMITMENT_ATTACHED,
  ]);
  readonly entities = [PolitiqueDeLaVilleOperationRow];
  readonly migrations = [PolitiqueDeLaVilleRegister1796213506594];

  async apply(events: StoredEvent[], manager: EntityManager, park: Park): Promise<void> {
    const ids = [...new Set(events.flatMap((e) => politiqueDeLaVilleOperationIdOf(e.streamName) ?? []))];
    const loaded = ids.length ? await manager.find(PolitiqueDeLaVilleOperationRow, { where: { id: In(ids) } }) : [];
    const before = new Map(loaded.map((r) => [r.id, { ...r }]));
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
          name: state.name,
          communeInsee: state.communeInsee,
          arrondissement: state.arrondissement,
          eligibleCostCents: state.eligibleCostCents ?? null,
          registeredOn: state.registeredOn,
          commitmentCount: state.financingPlan.length,
          indicators: operationIndicators(state),
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
    await moveTotals(
      manager,
      changed.map((row) => ({ before: before.get(row.id), after: row })),
    );
  }
}

/** Each total moves by the difference the batch made to its operations, in the batch's transaction. */
async function moveTotals(
  manager: EntityManager,
  changes: { before?: PolitiqueDeLaVilleOperationRow; after: PolitiqueDeLaVilleOperationRow }[],
): Promise<void> {
  const deltas = new Map<string, { indicator: string; arrondissement: string; value: number }>();
  const add = (row: PolitiqueDeLaVilleOperationRow, sign: 1 | -1) => {
    for (const indicator of INDICATOR_CODES) {
      const key = `${indicator}\u0000${row.arrondissement}`;
      const delta = deltas.get(key) ?? { indicator, arrondissement: row.arrondissement, value: 0 };
      delta.value += sign * (row.indicators[indicator] ?? 0);
      deltas.set(key, delta);
    }
  };
  for (const { before, after } of changes) {
    if (before) add(before, -1);
    add(after, 1);
  }
  const moved = [...deltas.values()].filter((d) => d.value !== 0);
  if (moved.length === 0) return;
  const schema = (manager.connection.options as { schema: string }).schema;
  await manager.query(
    `INSERT INTO "${schema}".indicator_totals AS t (indicator, arrondissement, value)
     SELECT indicator, arrondissement, value FROM json_to_recordset($1::json) AS d(indicator text, arrondissement text, value bigint)
     ON CONFLICT (indicator, arrondissement) DO UPDATE SET value = t.value + EXCLUDED.value`,
    [JSON.stringify(moved)],
  );
  // A rebuild never writes a total that nets to zero: the live run must not keep one either.
  await manager.query(`DELETE FROM "${schema}".indicator_totals WHERE value = 0`);
}

/** The indicator totals per arrondissement, as the SGAR's views read them through this domain's plugin. */
export async function readPolitiqueDeLaVilleIndicators(dataSource: DataSource): Promise<IndicatorValue[]> {
  const schema = (dataSource.options as { schema: string }).schema;
  const rows: { indicator: string; arrondissement: string; value: string }[] = await dataSource.query(
    `SELECT indicator, arrondissement, value::text AS value FROM "${schema}".indicator_totals ORDER BY indicator, arrondissement`,
  );
  return rows.map((r) => ({ indicator: r.indicator, arrondissement: r.arrondissement, value: Number(r.value) }));
}

export type PolitiqueDeLaVilleOperationListItem = Omit<PolitiqueDeLaVilleOperationRow, 'state' | 'indicators'>;

/** Every operation of the register, oldest first. */
export function listPolitiqueDeLaVilleOperations(dataSource: DataSource): Promise<PolitiqueDeLaVilleOperationListItem[]> {
  return dataSource.getRepository(PolitiqueDeLaVilleOperationRow).find({
    select: {
      id: true,
      name: true,
      communeInsee: true,
      arrondissement: true,
      eligibleCostCents: true,
      registeredOn: true,
      commitmentCount: true,
      revision: true,
    },
    order: { registeredOn: 'ASC', id: 'ASC' },
  });
}

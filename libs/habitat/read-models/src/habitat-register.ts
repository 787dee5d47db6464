import { Column, type DataSource, Entity, type EntityManager, In, type MigrationInterface, PrimaryColumn, type QueryRunner } from 'typeorm';
import type { StoredEvent } from '@erbm/shared/event-store';
import { type Park, type Projection, schemaOf } from '@erbm/shared/projections';
import type { IndicatorValue } from '@erbm/shared/kernel';
import { ALL_DATES, type IndicatorCode, type IndicatorValues, type OperationEvent, type OperationState, evolveOperation, indicatorsAsOf } from '@erbm/habitat/domain';

/** The habitat operation register: one row per operation, with its contribution to each indicator. */
@Entity({ name: 'operations' })
export class HabitatOperationRow {
  @PrimaryColumn('text') id!: string;
  @Column('text') name!: string;
  @Column('text') cite!: string;
  @Column('text', { name: 'commune_insee' }) communeInsee!: string;
  @Column('text') arrondissement!: string;
  @Column('text') landlord!: string;
  @Column('text') status!: string;
  @Column('int', { name: 'dwellings_planned' }) dwellingsPlanned!: number;
  @Column('int', { name: 'dwellings_delivered' }) dwellingsDelivered!: number;
  @Column('text', { name: 'energy_label_before' }) energyLabelBefore!: string;
  @Column('text', { name: 'energy_label_target' }) energyLabelTarget!: string;
  @Column('date', { name: 'first_legal_act_on', nullable: true }) firstLegalActOn!: string | null;
  @Column('int') commitments!: number;
  @Column('jsonb') indicators!: IndicatorValues;
  @Column('int') revision!: number;
  @Column('jsonb') state!: OperationState;
  @Column('timestamptz', { name: 'registered_at', nullable: true }) registeredAt!: Date | null;
  @Column('jsonb', { name: 'recorded_by', nullable: true }) recordedBy!: { userId: string; role: string; organisation: string } | null;
}

/** Which operation each habitat commitment finances: a legal act on it makes the operation's dwellings financed. */
@Entity({ name: 'commitment_operations' })
export class HabitatCommitmentOperationRow {
  @PrimaryColumn('text', { name: 'commitment_id' }) commitmentId!: string;
  @Column('text', { name: 'operation_id' }) operationId!: string;
}

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

const INDICATORS: IndicatorCode[] = ['dwellings-financed', 'dwellings-works-started', 'dwellings-delivered'];
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
  readonly handles = new Set([
    'habitat.OperationRegistered',
    'habitat.OperationAmended',
    'habitat.OperationPhaseReached',
    'habitat.DwellingsDelivered',
    'habitat.CommitmentAttached',
    'ledger.CommitmentAnnounced',
    'ledger.CommitmentMade',
  ]);
  readonly entities = [HabitatOperationRow, HabitatCommitmentOperationRow];
  readonly migrations = [HabitatRegister1732200000002, HabitatRegisterRecording1732200000006];

  async apply(events: StoredEvent[], manager: EntityManager, park: Park): Promise<void> {
    const links = new Map<string, string>();
    const madeIds = events.filter((e) => e.type === 'ledger.CommitmentMade').map((e) => commitmentIdOf(e.streamName) ?? '');
    for (const l of await manager.find(HabitatCommitmentOperationRow, { where: { commitmentId: In(madeIds) } })) links.set(l.commitmentId, l.operationId);
    const newLinks: HabitatCommitmentOperationRow[] = [];
    const opIds = new Set<string>();
    for (const e of events) {
      if (e.type === 'ledger.CommitmentAnnounced') {
        const d = e.data as { commitmentId: string; operationId: string; domain: string };
        if (d.domain !== 'habitat') continue;
        links.set(d.commitmentId, d.operationId);
        newLinks.push(Object.assign(new HabitatCommitmentOperationRow(), { commitmentId: d.commitmentId, operationId: d.operationId }));
      }
      const id = e.type.startsWith('habitat.') ? operationIdOf(e.streamName) : links.get(commitmentIdOf(e.streamName) ?? '');
      if (id) opIds.add(id);
    }
    const loaded = await manager.find(HabitatOperationRow, { where: { id: In([...opIds]) } });
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
        const next = row ?? Object.assign(new HabitatOperationRow(), { firstLegalActOn: null, registeredAt: new Date(e.recordedAt), recordedBy: e.envelope.actor });
        Object.assign(next, {
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
          commitments: state.financingPlan.length,
          indicators: indicatorsOf(state, next.firstLegalActOn ?? null),
          revision: e.revision,
          state,
        });
        rows.set(id, next);
        touched.add(id);
      } catch (error) {
        park(e, error);
      }
    }
    if (newLinks.length) await manager.createQueryBuilder().insert().into(HabitatCommitmentOperationRow).values(newLinks).orIgnore().execute();
    const changed = [...touched].map((id) => rows.get(id) as HabitatOperationRow);
    for (let i = 0; i < changed.length; i += 500) {
      const columns = ['name', 'cite', 'commune_insee', 'arrondissement', 'landlord', 'status', 'dwellings_planned', 'dwellings_delivered', 'energy_label_before', 'energy_label_target', 'first_legal_act_on', 'commitments', 'indicators', 'revision', 'state', 'registered_at', 'recorded_by'];
      await manager.createQueryBuilder().insert().into(HabitatOperationRow).values(changed.slice(i, i + 500)).orUpdate(columns, ['id']).execute();
    }
    const deltas = new Map<string, number>();
    const add = (row: HabitatOperationRow, sign: 1 | -1) => {
      for (const code of INDICATORS) deltas.set(JSON.stringify([code, row.arrondissement]), (deltas.get(JSON.stringify([code, row.arrondissement])) ?? 0) + sign * row.indicators[code]);
    };
    for (const row of changed) {
      const old = before.get(row.id);
      if (old) add(old, -1);
      add(row, 1);
    }
    const schema = (manager.connection.options as { schema: string }).schema;
    for (const [key, delta] of deltas) {
      if (delta === 0) continue;
      const [indicator, arrondissement] = JSON.parse(key) as [string, string];
      await manager.query(
        `INSERT INTO "${schema}".indicator_totals AS t (indicator, arrondissement, value) VALUES ($1, $2, $3)
         ON CONFLICT (indicator, arrondissement) DO UPDATE SET value = t.value + EXCLUDED.value`,
        [indicator, arrondissement, delta],
      );
    }
    // A rebuild never writes a total that nets to zero: the live run must not keep one either.
    if (deltas.size) await manager.query(`DELETE FROM "${schema}".indicator_totals WHERE value = 0`);
  }
}

/** The indicator totals per arrondissement, as the SGAR's views read them through the habitat plugin. */
export async function readHabitatIndicators(dataSource: DataSource): Promise<IndicatorValue[]> {
  const schema = (dataSource.options as { schema: string }).schema;
  const rows: { indicator: string; arrondissement: string; value: string }[] = await dataSource.query(`SELECT indicator, arrondissement, value::text AS value FROM "${schema}".indicator_totals ORDER BY indicator, arrondissement`);
  return rows.map((r) => ({ indicator: r.indicator, arrondissement: r.arrondissement, value: Number(r.value) }));
}

/** The operations of the register, in the order they were registered, with what each needs to be counted as of a date. */
export async function listHabitatOperations(dataSource: DataSource): Promise<HabitatOperationRow[]> {
  return dataSource.getRepository(HabitatOperationRow).find({ order: { registeredAt: 'ASC', id: 'ASC' } });
}

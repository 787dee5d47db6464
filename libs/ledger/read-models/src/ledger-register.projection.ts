import type { EntityManager } from 'typeorm';
import type { StoredEvent } from '@erbm/shared/event-store';
import { type Park, type Projection, loadRows, pgArray, schemaOf, updateRows, upsertRows } from '@erbm/shared/projections';
import type { DomainLocator, OperationLocator } from '@erbm/shared/kernel';
import { type Referentials, loadReferentials } from '@erbm/shared/referentials';
import { COMMITMENT_EVENT_TYPES, type CommitmentEvent, type CommitmentState, evolveCommitment, resteAPayer } from '@erbm/ledger/domain';
import {
  COMMITMENTS,
  COMMITMENT_BUCKETS,
  CONSOLIDATED_TOTALS,
  MEETING_BODIES,
  type MeetingBodyRow,
  type CommitmentBucketRow,
  type CommitmentRow,
  type ConsolidatedTotalRow,
  OPERATION_LOCATIONS,
  type OperationLocationRow,
  TOTAL_AXES,
  TOTAL_LEDGERS,
} from './tables';
import { ProgrammeRegisterProjection } from './programme-register';
import {
  CommitmentStorage1732200000005,
  LedgerRegister1732200000001,
  LedgerRegisterYearsAndAxes1732200000016,
  BeneficiaryAxis1732200000017,
  OperationBeneficiary1732200000018,
} from './migrations';
import { CommitmentVersions1732200000004, type VersionSnapshot, recordVersions, versionOf } from './versions';
import { LEDGER_REGISTER_CHECKS } from './checks';
import { derivePlace } from './place';

let loaded: Referentials | undefined;
/** The repository's referentials, read once per process. */
const referentialsOnce = (): Referentials => (loaded ??= loadReferentials());
import { GovernanceRegisterProjection } from './governance-register.projection';
import { BeneficiariesProjection } from './beneficiaries/beneficiaries.projection';

/** The name of the ledger register projection: the data source every reader of the register asks for. */
export const LEDGER_REGISTER = 'ledger-register';

const commitmentIdOf = (streamName: string) => /^commitment-(.+)$/.exec(streamName)?.[1];
const totalKey = (r: CommitmentBucketRow) => JSON.stringify(TOTAL_AXES.map((a) => r[a]));

/** The axes of an operation's place, kept in its location and copied onto each of its commitments' rows. */
const PLACE_AXES = ['arrondissement', 'departement', 'epci', 'commune', 'contratDeVille', 'erbm', 'dispositif'] as const;
type PlaceAxes = Pick<CommitmentRow, (typeof PLACE_AXES)[number]>;
const placeOfLocation = (l: OperationLocationRow): PlaceAxes => ({
  arrondissement: l.arrondissement,
  departement: l.departement,
  epci: l.epci,
  commune: l.communeInsee ?? '',
  contratDeVille: l.contratDeVille,
  erbm: l.erbm,
  dispositif: l.dispositif,
});
const UNPLACED: PlaceAxes = { arrondissement: '', departement: '', epci: '', commune: '', contratDeVille: '', erbm: '', dispositif: '' };

/** The beneficiary a commitment names itself (undefined: it counts under its operation's). */
const ownBeneficiary = (state: CommitmentState): string | undefined => (state.status === 'none' ? undefined : state.beneficiaryId);

/**
 * The body that decided a commitment's money: its first decision's (as the decision says, or else as its meeting's
 * record says), or else the issuer of its first act; '' when none is known.
 */
function governanceBodyOf(state: Exclude<CommitmentState, { status: 'none' }>, meetingBodies: ReadonlyMap<string, string>): string {
  const acts = (state as { acts?: { issuer?: string }[] }).acts;
  const decision = state.decisions[0];
  return decision?.body ?? (decision && meetingBodies.get(decision.meetingId)) ?? acts?.[0]?.issuer ?? '';
}

const MEETING_HELD = 'governance.MeetingHeld';

/** A commitment's bucket rows: its ledgers by funding line and year, on its other axes. */
export function bucketRowsOf(row: CommitmentRow): CommitmentBucketRow[] {
  const state = row.state;
  if (state.status === 'none') return [];
  return (state.buckets ?? []).map((b) => {
    const bucket = {} as CommitmentBucketRow;
    bucket.id = row.id;
    for (const a of TOTAL_AXES) (bucket as Record<string, unknown>)[a] = row[a];
    bucket.fundingLine = b.fundingLine;
    bucket.fiscalYear = b.fiscalYear;
    Object.assign(bucket, b.ledgers);
    bucket.resteAPayer = resteAPayer(b.ledgers);
    return bucket;
  });
}

/** The business date of a locator event: its own date, or its envelope's. */
const dateOf = (e: StoredEvent): string =>
  (e.data as { date?: string }).date ?? (e.envelope as { occurredAt?: string } | undefined)?.occurredAt ?? e.recordedAt.slice(0, 10);

/**
 * What the next version of a row is made from (with `state`), what its totals move out of, and what a row that only
 * moves with its operation keeps (its version snapshot included): not the columns made anew at each event.
 */
const LOADED = (Object.keys(COMMITMENTS.columns) as (keyof CommitmentRow)[]).filter(
  (p) => COMMITMENTS.columns[p].role !== 'derived' && !COMMITMENTS.columns[p].partOf,
);

/**
 * The commitment register, the operations' locations and the consolidated totals, in one projection so that every
 * total equals the sum of the commitment rows behind it after every batch: totals move by each row's difference.
 */
export class LedgerRegisterProjection implements Projection {
  readonly name = LEDGER_REGISTER;
  readonly schema = 'rm_ledger';
  readonly handles: Set<string>;
  readonly entities = [];
  readonly migrations = [
    LedgerRegister1732200000001,
    CommitmentVersions1732200000004,
    CommitmentStorage1732200000005,
    LedgerRegisterYearsAndAxes1732200000016,
    BeneficiaryAxis1732200000017,
    OperationBeneficiary1732200000018,
  ];
  readonly checks = LEDGER_REGISTER_CHECKS;
  /** Each domain's published events that say where its operations are, from the domain registry. */
  private readonly locators: readonly DomainLocator[];

  /** `referentials` derive what a domain leaves out of a place (the EPCI, département and perimeter of a commune). */
  constructor(
    locators: readonly DomainLocator[],
    private readonly referentials: Referentials = referentialsOnce(),
  ) {
    this.locators = locators;
    this.handles = new Set([...COMMITMENT_EVENT_TYPES, MEETING_HELD, ...locators.flatMap((l) => l.types)]);
  }

  async apply(events: StoredEvent[], manager: EntityManager, park: Park): Promise<void> {
    const commitmentIds = new Set<string>();
    const operationIds = new Set<string>();
    /** Meetings whose body a commitment of the batch may be filed under. */
    const meetingIds = new Set<string>();
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
      const cited = (e.data as { decision?: { meetingId?: string } } | undefined)?.decision?.meetingId;
      if (cited) meetingIds.add(cited);
    }
    operationIds.delete('');
    locatedIds.delete('');
    const locations = new Map<string, OperationLocationRow>();
    if (operationIds.size)
      for (const l of await loadRows(manager, OPERATION_LOCATIONS, { where: 'operation_id = ANY($1::text[])', parameters: [pgArray(operationIds)] }))
        locations.set(l.operationId, l);
    const located = new Set<string>();
    // Rows of the batch's commitments, and every row of an operation that a locator event moves (a commitment announced
    // for an operation needs the operation's location, not its siblings' rows). Only what a row's next version is made
    // from: the columns left out are all written again with it.
    const loaded = (await loadRows(manager, COMMITMENTS, {
      where: 'id = ANY($1::uuid[]) OR operation_id = ANY($2::text[])',
      parameters: [pgArray(commitmentIds), pgArray(locatedIds)],
      properties: LOADED,
    })) as CommitmentRow[];
    const before = new Map(loaded.map((r) => [r.id, { ...r }]));
    for (const r of loaded) if (r.state.status !== 'none' && r.state.decisions[0]) meetingIds.add(r.state.decisions[0].meetingId);
    const meetingBodies = new Map<string, string>();
    if (meetingIds.size)
      for (const m of await loadRows(manager, MEETING_BODIES, { where: 'meeting_id = ANY($1::text[])', parameters: [pgArray(meetingIds)] }))
        meetingBodies.set(m.meetingId, m.body);
    const held: MeetingBodyRow[] = [];
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
        if (event.type === MEETING_HELD) {
          const { meetingId, body } = event.data as { meetingId: string; body: string };
          meetingBodies.set(meetingId, body);
          held.push({ meetingId, body });
          continue;
        }
        const locator = this.locators.find((l) => l.types.includes(event.type));
        if (locator) {
          const where = locator.locate(event);
          if (!where) continue;
          const current = locations.get(where.operationId) ?? {
            operationId: where.operationId,
            domain: locator.domain,
            name: null,
            arrondissement: '',
            communeInsee: null,
            departement: '',
            epci: '',
            contratDeVille: '',
            dispositif: '',
            erbm: '',
            beneficiary: '',
          };
          const next: OperationLocationRow = { ...current };
          if (where.name !== undefined) next.name = where.name;
          if (where.communeInsee !== undefined) next.communeInsee = where.communeInsee;
          if (where.contratDeVille !== undefined) next.contratDeVille = where.contratDeVille;
          if (where.dispositif !== undefined) next.dispositif = where.dispositif;
          if (where.arrondissement !== undefined) next.arrondissement = where.arrondissement;
          if (where.beneficiaryId !== undefined) next.beneficiary = where.beneficiaryId;
          // A new place: what the event gives, the rest derived from its finest part (the commune, else the EPCI).
          if (where.communeInsee !== undefined || where.epci !== undefined || where.departement !== undefined) {
            const derived = derivePlace(
              this.referentials,
              { communeInsee: next.communeInsee, epci: where.epci, departement: where.departement },
              dateOf(event),
            );
            next.arrondissement = where.arrondissement ?? derived.arrondissement;
            next.epci = where.epci ?? derived.epci;
            next.departement = where.departement ?? derived.departement;
            next.erbm = derived.erbm;
          }
          locations.set(where.operationId, next);
          located.add(where.operationId);
          for (const row of byOperation.get(where.operationId) ?? []) {
            Object.assign(row, placeOfLocation(next));
            row.beneficiary = ownBeneficiary(row.state) ?? next.beneficiary;
            row.operationName = next.name;
            touched.add(row.id);
            versions.push(versionOf(row, bucketRowsOf(row), event));
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
        const updated = this.toRow(id, state, event, row, locations, meetingBodies);
        if (!row) {
          rows.set(id, updated);
          index(updated);
        }
        touched.add(id);
        evolved.add(id);
        versions.push(versionOf(updated, bucketRowsOf(updated), event));
      } catch (error) {
        park(event, error);
      }
    }

    const changed = [...touched].map((id) => rows.get(id) as CommitmentRow);
    await upsertRows(
      manager,
      COMMITMENTS,
      changed.filter((r) => evolved.has(r.id)),
    );
    // Rows that only moved with their operation: the rest of the row is what it was.
    await updateRows(
      manager,
      COMMITMENTS,
      changed.filter((r) => !evolved.has(r.id)),
      [...PLACE_AXES, 'beneficiary', 'operationName'],
    );
    const buckets = changed.flatMap(bucketRowsOf);
    await upsertRows(manager, COMMITMENT_BUCKETS, buckets);
    await upsertRows(manager, MEETING_BODIES, held);
    await upsertRows(
      manager,
      OPERATION_LOCATIONS,
      [...located].map((id) => locations.get(id) as OperationLocationRow),
    );
    await this.moveTotals(
      manager,
      buckets,
      changed.flatMap((r) => (before.has(r.id) ? bucketRowsOf(before.get(r.id) as CommitmentRow) : [])),
    );
    await recordVersions(manager, versions);
  }

  private toRow(
    id: string,
    state: CommitmentState,
    event: StoredEvent,
    previous: CommitmentRow | undefined,
    locations: Map<string, OperationLocationRow>,
    meetingBodies: ReadonlyMap<string, string>,
  ): CommitmentRow {
    if (state.status === 'none') throw new Error('a commitment event left no commitment');
    const where = locations.get(state.operationId);
    // A batch loads only the locations its own events need; a row keeps the one it has otherwise.
    const place: PlaceAxes = where ? placeOfLocation(where) : previous ? (Object.fromEntries(PLACE_AXES.map((a) => [a, previous[a]])) as PlaceAxes) : UNPLACED;
    const row: CommitmentRow = {
      id,
      domain: state.domain,
      operationId: state.operationId,
      operationName: where ? where.name : (previous?.operationName ?? null),
      financer: state.financer,
      fundingLine: state.fundingLine,
      ...place,
      governanceBody: governanceBodyOf(state, meetingBodies),
      fiscalYear: state.fiscalYear,
      // Its own beneficiary, or else its operation's.
      beneficiary: state.beneficiaryId ?? (where ? where.beneficiary : previous && ownBeneficiary(previous.state) === undefined ? previous.beneficiary : ''),
      status: state.status,
      ...state.ledgers,
      resteAPayer: resteAPayer(state.ledgers),
      warningCount: state.warnings.length,
      warnings: state.warnings,
      decisions: state.decisions,
      legalActs: state.legalActs,
      revision: event.revision,
      lastRecordedAt: event.recordedAt,
      state,
    };
    // The same object: the batch's index by operation holds it.
    return previous ? Object.assign(previous, row) : row;
  }

  /** Totals move by the difference of each changed bucket: out of its old key, into its new one. */
  private async moveTotals(manager: EntityManager, after: CommitmentBucketRow[], before: CommitmentBucketRow[]): Promise<void> {
    const deltas = new Map<string, ConsolidatedTotalRow>();
    const add = (row: CommitmentBucketRow, sign: 1 | -1) => {
      const key = totalKey(row);
      let d = deltas.get(key);
      if (!d) {
        d = Object.fromEntries([...TOTAL_AXES.map((a) => [a, row[a]]), ['commitments', 0], ...TOTAL_LEDGERS.map((l) => [l, 0])]) as ConsolidatedTotalRow;
        deltas.set(key, d);
      }
      d.commitments += sign;
      for (const l of TOTAL_LEDGERS) d[l] += sign * row[l];
    };
    for (const row of before) add(row, -1);
    for (const row of after) add(row, 1);
    const moves = [...deltas.values()].filter((d) => d.commitments !== 0 || TOTAL_LEDGERS.some((l) => d[l] !== 0));
    await upsertRows(manager, CONSOLIDATED_TOTALS, moves, { onConflict: 'add' });
    await manager.query(`DELETE FROM ${schemaOf(manager)}.${CONSOLIDATED_TOTALS.name} WHERE commitments = 0`);
  }
}

/** What the read side needs of a domain: its name, where its operations are, and its own projections. */
export interface ProjectedDomain {
  name: string;
  operations: { locator: OperationLocator };
  projections(): Projection[];
}

/**
 * The read models of a set of domains: the ledger register (placing commitments by their locators), the governance
 * register (meetings and acts of every body), the beneficiaries, the programme's (agreements, commitments of action), then each domain's.
 */
export const projectionsOf = (domains: readonly ProjectedDomain[], referentials?: Referentials): Projection[] => [
  new LedgerRegisterProjection(
    domains.map((d) => ({ domain: d.name, ...d.operations.locator })),
    referentials,
  ),
  new GovernanceRegisterProjection(),
  new BeneficiariesProjection(),
  new ProgrammeRegisterProjection(),
  ...domains.flatMap((d) => d.projections()),
];

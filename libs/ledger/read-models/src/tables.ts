import type { Assert, Equals } from '@erbm/shared/kernel';
import type { CommitmentState, CommitmentWarning, DecisionRef, Ledger, LegalAct } from '@erbm/ledger/domain';
import { type Row, column, columnNames, propertiesWith, table } from '@erbm/shared/projections';
import { fullState, leanState } from './stored-state';

/**
 * The ledger register's tables, declared once: the projection's statements, its row types, the views' columns and the
 * axes and ledgers of the totals come from here. `tables.int.spec.ts` holds them to what the migrations made.
 */

const ledger = (name: string) => column.bigint(name, { role: 'ledger' });

/** The axes of the consolidated totals, in the order the views list them. */
const AXIS_COLUMNS = {
  financer: column.text('financer', { role: 'axis' }),
  domain: column.text('domain', { role: 'axis' }),
  fundingLine: column.text('funding_line', { role: 'axis' }),
  /** INSEE code of the operation's arrondissement; '' while the operation is not located. */
  arrondissement: column.text('arrondissement', { role: 'axis' }),
  /** The year the facts happened (ADR 0016); in a commitment's own row, its fiscal year. */
  fiscalYear: column.int('fiscal_year', { role: 'axis' }),
  /** '59' or '62'; '' while not known. The operation's place, as its domain says it or as derived from its commune. */
  departement: column.text('departement', { role: 'axis' }),
  /** SIREN of the operation's EPCI. */
  epci: column.text('epci', { role: 'axis' }),
  /** INSEE code of the operation's commune. */
  commune: column.text('commune', { role: 'axis' }),
  contratDeVille: column.text('contrat_de_ville', { role: 'axis' }),
  /** Whether the operation lies in the ERBM perimeter: 'oui', 'non', or '' when its place is not known well enough. */
  erbm: column.text('erbm', { role: 'axis' }),
  /** The body that decided the money: the first decision's, or else the issuer of the first act. */
  governanceBody: column.text('governance_body', { role: 'axis' }),
  /** The domain's programme line the operation belongs to. */
  dispositif: column.text('dispositif', { role: 'axis' }),
  /** Id of the beneficiary who receives the money; '' while none is named. */
  beneficiary: column.text('beneficiary', { role: 'axis' }),
};

/** Every ledger in cents, and the reste à payer. */
const LEDGER_COLUMNS = {
  announced: ledger('announced'),
  programmed: ledger('programmed'),
  committed: ledger('committed'),
  certified: ledger('certified'),
  ordered: ledger('ordered'),
  paid: ledger('paid'),
  released: ledger('released'),
  recovered: ledger('recovered'),
  resteAPayer: ledger('reste_a_payer'),
};

/** The commitment register: one row per commitment, every ledger apart, on its current funding line and fiscal year. */
export const COMMITMENTS = table({
  name: 'commitments',
  key: ['id'],
  columns: {
    id: column.uuid('id'),
    ...AXIS_COLUMNS,
    operationId: column.text('operation_id'),
    operationName: column.text('operation_name', { nullable: true }),
    status: column.text('status'),
    ...LEDGER_COLUMNS,
    // Made anew from the state and the event at each event: a batch never loads them.
    warningCount: column.int('warning_count', { role: 'derived' }),
    lastRecordedAt: column.timestamptz('last_recorded_at', { role: 'derived' }),
    warnings: column.jsonb<CommitmentWarning[]>('warnings', { partOf: 'state' }),
    decisions: column.jsonb<DecisionRef[]>('decisions', { partOf: 'state' }),
    legalActs: column.jsonb<LegalAct[]>('legal_acts', { partOf: 'state' }),
    revision: column.int('revision'),
    /** The decider's state, so the projection evolves it with the very code that decided; stored lean (stored-state.ts). */
    state: column.jsonb<CommitmentState>('state', { write: leanState, read: fullState }),
  },
});
export type CommitmentRow = Row<typeof COMMITMENTS>;

/** Where each operation is, from the domains' published events. */
export const OPERATION_LOCATIONS = table({
  name: 'operation_locations',
  key: ['operationId'],
  columns: {
    operationId: column.text('operation_id'),
    domain: column.text('domain'),
    name: column.text('name', { nullable: true }),
    arrondissement: column.text('arrondissement'),
    communeInsee: column.text('commune_insee', { nullable: true }),
    departement: column.text('departement'),
    epci: column.text('epci'),
    contratDeVille: column.text('contrat_de_ville'),
    dispositif: column.text('dispositif'),
    erbm: column.text('erbm'),
    /** Id of the beneficiary of the operation ('' for none): the beneficiary of its commitments that name none of their own. */
    beneficiary: column.text('beneficiary'),
  },
});
export type OperationLocationRow = Row<typeof OPERATION_LOCATIONS>;

/** The body of each meeting: the governance body of a commitment whose decision was recorded without it (older events). */
export const MEETING_BODIES = table({
  name: 'meeting_bodies',
  key: ['meetingId'],
  columns: { meetingId: column.text('meeting_id'), body: column.text('body') },
});
export type MeetingBodyRow = Row<typeof MEETING_BODIES>;

export const TOTAL_AXES = propertiesWith(COMMITMENTS, 'axis');
export type TotalAxis = (typeof TOTAL_AXES)[number];
export const TOTAL_LEDGERS = propertiesWith(COMMITMENTS, 'ledger');
export type TotalLedger = (typeof TOTAL_LEDGERS)[number];
type _EveryLedgerOfTheDomain = Assert<Equals<TotalLedger, Ledger | 'resteAPayer'>>;

/**
 * Each commitment's ledgers by funding line and year (the decider state's buckets), with the commitment's other axes:
 * one row per commitment × funding line × year where a fact of it counts. What the totals add up and drill down to.
 */
export const COMMITMENT_BUCKETS = table({
  name: 'commitment_buckets',
  key: ['id', 'fundingLine', 'fiscalYear'],
  columns: { id: column.uuid('id'), ...AXIS_COLUMNS, ...LEDGER_COLUMNS },
});
export type CommitmentBucketRow = Row<typeof COMMITMENT_BUCKETS>;

/** Consolidated totals along every axis (the year being the year of the facts), for every ledger: sums of the buckets. */
export const CONSOLIDATED_TOTALS = table({
  name: 'consolidated_totals',
  key: TOTAL_AXES,
  columns: { ...AXIS_COLUMNS, commitments: column.int('commitments'), ...LEDGER_COLUMNS },
});
export type ConsolidatedTotalRow = Row<typeof CONSOLIDATED_TOTALS>;

/**
 * Every version of every bucket of every commitment, valid from the event that made it (its transaction and global
 * position) until the next one: the consolidated views as the system knew them at any past time or log position.
 */
export const COMMITMENT_VERSIONS = table({
  name: 'commitment_versions',
  key: ['id', 'fundingLine', 'fiscalYear', 'fromTxid', 'fromGp'],
  columns: {
    id: column.uuid('id'),
    fromTxid: column.bigintText('from_txid'),
    fromGp: column.bigintText('from_gp'),
    fromRecordedAt: column.timestamptz('from_recorded_at'),
    toTxid: column.bigintText('to_txid', { nullable: true }),
    toGp: column.bigintText('to_gp', { nullable: true }),
    toRecordedAt: column.timestamptz('to_recorded_at', { nullable: true }),
    ...AXIS_COLUMNS,
    status: column.text('status'),
    ...LEDGER_COLUMNS,
  },
});
export type CommitmentVersionRow = Row<typeof COMMITMENT_VERSIONS>;

/** Each axis's and ledger's column, the same in every table. */
export const COLUMN = columnNames(COMMITMENTS);

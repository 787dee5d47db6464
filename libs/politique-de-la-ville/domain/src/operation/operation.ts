import { type CommitmentAttachedData, type FinancingPlanLine, type OperationFinancing, decideAttachment, withAttachment } from '@erbm/ledger/domain';
import { type Decider, RuleViolation, assertNever, fold, formatEuros, isAmountCents, isBusinessDate, isQpvCode } from '@erbm/shared/kernel';
import {
  FLAT_RATE_WARNING,
  OPERATION_FLAGS,
  OPERATION_KINDS,
  type PolitiqueDeLaVilleConventionRecordedV1,
  type PolitiqueDeLaVilleFundingWarningRaisedV1,
  type PolitiqueDeLaVilleOperationEventsV1,
  type PolitiqueDeLaVilleOperationFlag,
  type PolitiqueDeLaVilleOperationKind,
} from '@erbm/politique-de-la-ville/contracts';
import { dispositifAt, flatRateCents } from '../dispositifs';

/**
 * What an operation of politique de la ville is: a post (adulte-relais or FONJEP: its id, its employer, the years it is
 * funded through its commitments) or an action (a subsidy to an association in a contrat de ville: its cost, its QPVs,
 * its co-financers through their commitments). Both are placed by their contrat de ville, or their département when
 * the source gives nothing finer.
 */
export interface OperationDetails {
  kind: PolitiqueDeLaVilleOperationKind;
  dispositif: string;
  name: string;
  departement: string;
  contratDeVille?: string;
  epci?: string;
  communeInsee?: string;
  arrondissement?: string;
  qpv?: string[];
  beneficiaryId?: string;
  employerName?: string;
  postId?: string;
  quotite?: number;
  eligibleCostCents?: number;
  flags?: PolitiqueDeLaVilleOperationFlag[];
}

/** Every detail, listed once: a detail added to OperationDetails and not here does not compile. */
const DETAILS = Object.keys({
  kind: true,
  dispositif: true,
  name: true,
  departement: true,
  contratDeVille: true,
  epci: true,
  communeInsee: true,
  arrondissement: true,
  qpv: true,
  beneficiaryId: true,
  employerName: true,
  postId: true,
  quotite: true,
  eligibleCostCents: true,
  flags: true,
} satisfies Record<keyof OperationDetails, true>) as (keyof OperationDetails)[];

/** The départements of the Hauts-de-France région, whose P147 budget the SGAR runs. */
export const DEPARTEMENTS = ['02', '59', '60', '62', '80'] as const;

/**
 * The same event types as the contracts publish, each with data the contracts' version accepts: an event added, renamed
 * or reshaped here without the contracts does not compile.
 */
type Published<M extends PolitiqueDeLaVilleOperationEventsV1 & Record<Exclude<keyof M, keyof PolitiqueDeLaVilleOperationEventsV1>, never>> = M;

export type OperationEventMap = Published<{
  'politique-de-la-ville.OperationRegistered': OperationDetails & { operationId: string; date: string };
  'politique-de-la-ville.OperationAmended': { changes: Partial<OperationDetails>; reason: string; date: string };
  /** The ledger's event (`commitmentAttachedType`): the ledger appends it, the operation folds it into its plan. */
  'politique-de-la-ville.CommitmentAttached': CommitmentAttachedData;
  'politique-de-la-ville.ConventionRecorded': PolitiqueDeLaVilleConventionRecordedV1;
  'politique-de-la-ville.FundingWarningRaised': PolitiqueDeLaVilleFundingWarningRaisedV1;
}>;
export type OperationEvent = { [K in keyof OperationEventMap]: { type: K; data: OperationEventMap[K] } }[keyof OperationEventMap];

export type OperationCommand =
  | ({ type: 'register'; operationId: string; date: string } & OperationDetails)
  | { type: 'amend'; changes: Partial<OperationDetails>; reason?: string; date: string }
  | ({ type: 'attachCommitment'; date: string } & FinancingPlanLine)
  | { type: 'recordConvention'; conventionId: string; version?: string; actId: string; fromYear: number; date: string }
  /** A post's funding for a year, as it is about to be committed: a warning when it differs from the year's flat rate. */
  | { type: 'checkFunding'; commitmentId: string; fiscalYear: number; amountCents: number; date: string };

export interface Convention {
  conventionId: string;
  version?: string;
  actId: string;
  fromYear: number;
}

export type OperationState =
  | { status: 'none' }
  | (OperationDetails & {
      status: 'registered';
      operationId: string;
      registeredOn: string;
      financingPlan: FinancingPlanLine[];
      conventions: Convention[];
      warnings: PolitiqueDeLaVilleFundingWarningRaisedV1[];
    });
type Registered = Extract<OperationState, { status: 'registered' }>;

/** Decides a command on an operation: the events to append, or a RuleViolation. Dates and ids come with the command. */
export function decideOperation(command: OperationCommand, state: OperationState): OperationEvent[] {
  if (!isBusinessDate(command.date)) throw new RuleViolation('invalid-date', `${command.date} n'est pas une date (aaaa-mm-jj)`, 'date');
  switch (state.status) {
    case 'none':
      return decideNew(command);
    case 'registered':
      return decideRegistered(command, state);
    default:
      return assertNever(state);
  }
}

function decideNew(command: OperationCommand): OperationEvent[] {
  switch (command.type) {
    case 'register': {
      const data = { operationId: command.operationId, ...detailsOf(command), date: command.date };
      checkDetails(data, command.date);
      return [{ type: 'politique-de-la-ville.OperationRegistered', data }];
    }
    case 'amend':
    case 'attachCommitment':
    case 'recordConvention':
    case 'checkFunding':
      throw new RuleViolation('operation-not-registered', "Enregistrez d'abord l'opération");
    default:
      return assertNever(command);
  }
}

function decideRegistered(command: OperationCommand, state: Registered): OperationEvent[] {
  switch (command.type) {
    case 'register':
      throw new RuleViolation('operation-exists', `L'opération ${state.operationId} existe déjà`);
    case 'amend':
      return amend(command, state);
    case 'attachCommitment':
      return decideAttachment(state.financingPlan, command, command.date).map((data) => ({ type: 'politique-de-la-ville.CommitmentAttached', data }));
    case 'recordConvention':
      return recordConvention(command, state);
    case 'checkFunding':
      return checkFunding(command, state);
    default:
      return assertNever(command);
  }
}

function amend(command: Extract<OperationCommand, { type: 'amend' }>, state: Registered): OperationEvent[] {
  const reason = command.reason?.trim();
  if (!reason) throw new RuleViolation('reason-required', 'Une modification dit pourquoi', 'reason');
  if (command.changes.kind !== undefined && command.changes.kind !== state.kind)
    throw new RuleViolation('kind-fixed', "La nature d'une opération (poste ou action) ne change pas : enregistrez-en une autre", 'kind');
  const changes = Object.fromEntries(
    DETAILS.flatMap((k) => (command.changes[k] !== undefined && !same(command.changes[k], state[k]) ? [[k, command.changes[k]]] : [])),
  ) as Partial<OperationDetails>;
  if (Object.keys(changes).length === 0) throw new RuleViolation('amendment-changes-nothing', 'La modification ne change rien', 'changes');
  checkDetails({ ...detailsOf(state), ...changes }, command.date);
  return [{ type: 'politique-de-la-ville.OperationAmended', data: { changes, reason, date: command.date } }];
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function recordConvention(command: Extract<OperationCommand, { type: 'recordConvention' }>, state: Registered): OperationEvent[] {
  if (state.kind === 'action') throw new RuleViolation('not-a-post', "Une action n'a pas de convention de poste : citez l'acte de sa décision", 'conventionId');
  if (!/^[A-Z0-9]{4,20}$/.test(command.conventionId))
    throw new RuleViolation('invalid-convention', 'Le numéro de convention est fait de 4 à 20 lettres majuscules et chiffres', 'conventionId');
  if (state.conventions.some((c) => c.conventionId === command.conventionId))
    throw new RuleViolation('convention-exists', `La convention ${command.conventionId} du poste est déjà enregistrée`, 'conventionId');
  if (!Number.isInteger(command.fromYear) || command.fromYear < 2000 || command.fromYear > 2100)
    throw new RuleViolation('invalid-year', "L'année est un entier de 2000 à 2100", 'fromYear');
  const { conventionId, version, actId, fromYear, date } = command;
  return [{ type: 'politique-de-la-ville.ConventionRecorded', data: { conventionId, ...(version ? { version } : {}), actId, fromYear, date } }];
}

/** An adulte-relais post is paid the year's flat rate (times its quotité): another amount is recorded with a warning. */
function checkFunding(command: Extract<OperationCommand, { type: 'checkFunding' }>, state: Registered): OperationEvent[] {
  if (state.kind !== 'poste-adulte-relais') return [];
  const rate = flatRateCents(state.kind, command.fiscalYear);
  if (rate === undefined) return [];
  const expected = Math.round(rate * (state.quotite ?? 1));
  if (command.amountCents === expected) return [];
  const { commitmentId, fiscalYear, amountCents, date } = command;
  return [
    {
      type: 'politique-de-la-ville.FundingWarningRaised',
      data: {
        code: FLAT_RATE_WARNING,
        message: `Le poste est financé ${formatEuros(amountCents)} en ${fiscalYear}, pas le forfait de l'année (${formatEuros(expected)})`,
        fiscalYear,
        commitmentId,
        amountCents,
        flatRateCents: expected,
        date,
      },
    },
  ];
}

/** The details alone, whatever else the object carries: an event holds exactly what its type says. */
function detailsOf(source: OperationDetails): OperationDetails {
  return Object.fromEntries(DETAILS.flatMap((k) => (source[k] === undefined ? [] : [[k, source[k]]]))) as unknown as OperationDetails;
}

function checkDetails(d: OperationDetails, date: string): void {
  if (!(OPERATION_KINDS as readonly string[]).includes(d.kind)) throw new RuleViolation('invalid-kind', `La nature vaut ${OPERATION_KINDS.join(', ')}`, 'kind');
  const dispositif = dispositifAt(d.dispositif, date);
  if (!dispositif)
    throw new RuleViolation(
      'unknown-dispositif',
      `Aucun dispositif ${d.dispositif} en vigueur au ${date} (voir /politique-de-la-ville/dispositifs)`,
      'dispositif',
    );
  if (dispositif.kind !== d.kind)
    throw new RuleViolation(
      'dispositif-of-another-kind',
      `Le dispositif ${dispositif.label} finance des opérations de nature ${dispositif.kind}, pas ${d.kind}`,
      'dispositif',
    );
  if (typeof d.name !== 'string' || !d.name.trim()) throw new RuleViolation('missing-field', 'Le nom est requis', 'name');
  if (!(DEPARTEMENTS as readonly string[]).includes(d.departement))
    throw new RuleViolation('invalid-departement', `Le département est l'un des départements des Hauts-de-France (${DEPARTEMENTS.join(', ')})`, 'departement');
  if (d.kind !== 'action' && !(typeof d.postId === 'string' && /^[A-Z0-9]{4,20}$/.test(d.postId)))
    throw new RuleViolation('missing-field', 'Un poste a un identifiant (4 à 20 lettres majuscules et chiffres)', 'postId');
  if (d.kind === 'action' && d.postId !== undefined) throw new RuleViolation('not-a-post', "Une action n'a pas d'identifiant de poste", 'postId');
  if (d.quotite !== undefined && !(typeof d.quotite === 'number' && d.quotite > 0 && d.quotite <= 1))
    throw new RuleViolation('invalid-quotite', 'La quotité est une part de temps plein, de 0 (exclu) à 1', 'quotite');
  if (d.eligibleCostCents !== undefined && !isAmountCents(d.eligibleCostCents))
    throw new RuleViolation('invalid-amount', 'Le coût est un montant en centimes', 'eligibleCostCents');
  if (d.qpv !== undefined && (!Array.isArray(d.qpv) || !d.qpv.every(isQpvCode)))
    throw new RuleViolation('invalid-qpv', 'Les quartiers sont des codes QPV (QP059001, QN06201M…)', 'qpv');
  if (d.flags !== undefined && !d.flags.every((f) => (OPERATION_FLAGS as readonly string[]).includes(f)))
    throw new RuleViolation('invalid-flag', `Les signalements valent ${OPERATION_FLAGS.join(', ')}`, 'flags');
}

export function evolveOperation(state: OperationState, event: OperationEvent): OperationState {
  switch (event.type) {
    case 'politique-de-la-ville.OperationRegistered': {
      const { operationId, date, ...details } = event.data;
      return { status: 'registered', operationId, ...details, registeredOn: date, financingPlan: [], conventions: [], warnings: [] };
    }
    case 'politique-de-la-ville.OperationAmended':
      return { ...registered(state, event), ...event.data.changes };
    case 'politique-de-la-ville.CommitmentAttached': {
      const operation = registered(state, event);
      return { ...operation, financingPlan: withAttachment(operation.financingPlan, event.data) };
    }
    case 'politique-de-la-ville.ConventionRecorded': {
      const operation = registered(state, event);
      const { conventionId, version, actId, fromYear } = event.data;
      return { ...operation, conventions: [...operation.conventions, { conventionId, ...(version ? { version } : {}), actId, fromYear }] };
    }
    case 'politique-de-la-ville.FundingWarningRaised': {
      const operation = registered(state, event);
      return { ...operation, warnings: [...operation.warnings, event.data] };
    }
    default:
      return assertNever(event);
  }
}

function registered(state: OperationState, event: OperationEvent): Registered {
  if (state.status === 'none') throw new Error(`${event.type} before the operation was registered`);
  return state;
}

export const operationDecider: Decider<OperationCommand, OperationEvent, OperationState> = {
  decide: decideOperation,
  evolve: evolveOperation,
  initialState: { status: 'none' },
};

export const foldOperation = (events: readonly OperationEvent[]): OperationState => fold(operationDecider, events);

/** What the ledger reads of an operation: its eligible cost and the commitments of its financing plan. */
export function financingOf(state: OperationState): OperationFinancing | undefined {
  if (state.status === 'none') return undefined;
  return { eligibleCostCents: state.eligibleCostCents, commitmentIds: state.financingPlan.map((l) => l.commitmentId) };
}

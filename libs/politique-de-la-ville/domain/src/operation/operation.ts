import { type CommitmentAttachedData, type FinancingPlanLine, type OperationFinancing, decideAttachment, withAttachment } from '@erbm/ledger/domain';
import { type Decider, RuleViolation, assertNever, fold, isAmountCents, isBusinessDate } from '@erbm/shared/kernel';
import type { PolitiqueDeLaVilleOperationEventsV1 } from '@erbm/politique-de-la-ville/contracts';

/** What an operation is: its name, where it is, and what public aid may finance of it. */
export interface OperationDetails {
  name: string;
  /** INSEE code of the commune. */
  communeInsee: string;
  /** INSEE code of the arrondissement, from the commune. */
  arrondissement: string;
  /** Cost eligible to public aid: what the commitments of the financing plan may not exceed together. */
  eligibleCostCents?: number;
}

/** Every detail, listed once: a detail added to OperationDetails and not here does not compile. */
const DETAILS = Object.keys({ name: true, communeInsee: true, arrondissement: true, eligibleCostCents: true } satisfies Record<
  keyof OperationDetails,
  true
>) as (keyof OperationDetails)[];

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
}>;
export type OperationEvent = { [K in keyof OperationEventMap]: { type: K; data: OperationEventMap[K] } }[keyof OperationEventMap];

export type OperationCommand =
  | ({ type: 'register'; operationId: string; date: string } & OperationDetails)
  | { type: 'amend'; changes: Partial<OperationDetails>; reason?: string; date: string }
  | ({ type: 'attachCommitment'; date: string } & FinancingPlanLine);

export type OperationState =
  { status: 'none' } | (OperationDetails & { status: 'registered'; operationId: string; registeredOn: string; financingPlan: FinancingPlanLine[] });
type Registered = Extract<OperationState, { status: 'registered' }>;

/** Decides a command on an operation: the events to append, or a RuleViolation. Dates and ids come with the command. */
export function decideOperation(command: OperationCommand, state: OperationState): OperationEvent[] {
  if (!isBusinessDate(command.date)) throw new RuleViolation('invalid-date', `${command.date} is not a date (yyyy-mm-dd)`, 'date');
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
      checkDetails(data);
      return [{ type: 'politique-de-la-ville.OperationRegistered', data }];
    }
    case 'amend':
    case 'attachCommitment':
      throw new RuleViolation('operation-not-registered', 'Register the operation first');
    default:
      return assertNever(command);
  }
}

function decideRegistered(command: OperationCommand, state: Registered): OperationEvent[] {
  switch (command.type) {
    case 'register':
      throw new RuleViolation('operation-exists', `Operation ${state.operationId} already exists`);
    case 'amend':
      return amend(command, state);
    case 'attachCommitment':
      return decideAttachment(state.financingPlan, command, command.date).map((data) => ({ type: 'politique-de-la-ville.CommitmentAttached', data }));
    default:
      return assertNever(command);
  }
}

function amend(command: Extract<OperationCommand, { type: 'amend' }>, state: Registered): OperationEvent[] {
  const reason = command.reason?.trim();
  if (!reason) throw new RuleViolation('reason-required', 'An amendment says why', 'reason');
  const changes = Object.fromEntries(
    DETAILS.flatMap((k) => (command.changes[k] !== undefined && command.changes[k] !== state[k] ? [[k, command.changes[k]]] : [])),
  ) as Partial<OperationDetails>;
  if (Object.keys(changes).length === 0) throw new RuleViolation('amendment-changes-nothing', 'The amendment changes nothing', 'changes');
  checkDetails({ ...detailsOf(state), ...changes });
  return [{ type: 'politique-de-la-ville.OperationAmended', data: { changes, reason, date: command.date } }];
}

/** The details alone, whatever else the object carries: an event holds exactly what its type says. */
function detailsOf(source: OperationDetails): OperationDetails {
  return Object.fromEntries(DETAILS.flatMap((k) => (source[k] === undefined ? [] : [[k, source[k]]]))) as unknown as OperationDetails;
}

function checkDetails(d: OperationDetails): void {
  for (const field of ['name', 'communeInsee', 'arrondissement'] as const)
    if (typeof d[field] !== 'string' || !d[field].trim()) throw new RuleViolation('missing-field', `${field} is required`, field);
  if (d.eligibleCostCents !== undefined && !isAmountCents(d.eligibleCostCents))
    throw new RuleViolation('invalid-amount', 'eligibleCostCents is an amount in euro cents', 'eligibleCostCents');
}

export function evolveOperation(state: OperationState, event: OperationEvent): OperationState {
  switch (event.type) {
    case 'politique-de-la-ville.OperationRegistered': {
      const { operationId, date, ...details } = event.data;
      return { status: 'registered', operationId, ...details, registeredOn: date, financingPlan: [] };
    }
    case 'politique-de-la-ville.OperationAmended':
      return { ...registered(state, event), ...event.data.changes };
    case 'politique-de-la-ville.CommitmentAttached': {
      const operation = registered(state, event);
      return { ...operation, financingPlan: withAttachment(operation.financingPlan, event.data) };
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

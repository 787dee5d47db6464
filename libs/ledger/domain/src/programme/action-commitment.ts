import { type Decider, type Today, RuleViolation, assertNever, fold, formatBusinessDate, isBusinessDate, requireNotAfterToday } from '@erbm/shared/kernel';

/**
 * A commitment of action, not of money: a party commits to open a service, deliver a study, sign a convention by a
 * date. Whether it is late is not a fact recorded but read against today: open and past its due date.
 */

export interface EvidenceRef {
  kind: string;
  reference: string;
  sha256?: string;
}

export type ActionCommitmentEventMap = {
  'programme.ActionCommitmentPromised': {
    actionCommitmentId: string;
    domain: string;
    party: string;
    what: string;
    dueDate: string;
    promisedOn: string;
    operationId?: string;
  };
  'programme.ActionCommitmentProgressed': { date: string; note: string };
  'programme.ActionCommitmentCompleted': { date: string; evidence: EvidenceRef };
  'programme.ActionCommitmentAbandoned': { date: string; reason: string };
};
export type ActionCommitmentEventType = keyof ActionCommitmentEventMap;
export type ActionCommitmentEvent = { [K in ActionCommitmentEventType]: { type: K; data: ActionCommitmentEventMap[K] } }[ActionCommitmentEventType];
export const ACTION_COMMITMENT_EVENT_TYPES: readonly ActionCommitmentEventType[] = [
  'programme.ActionCommitmentPromised',
  'programme.ActionCommitmentProgressed',
  'programme.ActionCommitmentCompleted',
  'programme.ActionCommitmentAbandoned',
];

export const ACTION_COMMITMENT_STATUSES = ['promised', 'in-progress', 'done', 'abandoned'] as const;
export type ActionCommitmentStatus = (typeof ACTION_COMMITMENT_STATUSES)[number];
export const ACTION_COMMITMENT_STATUS_LABELS: Readonly<Record<ActionCommitmentStatus, string>> = {
  promised: 'promis',
  'in-progress': 'en cours',
  done: 'réalisé',
  abandoned: 'abandonné',
};

export type ActionCommitmentCommand =
  | ({ type: 'promise' } & ActionCommitmentEventMap['programme.ActionCommitmentPromised'] & Today)
  | ({ type: 'progress' } & ActionCommitmentEventMap['programme.ActionCommitmentProgressed'] & Today)
  | ({ type: 'complete' } & ActionCommitmentEventMap['programme.ActionCommitmentCompleted'] & Today)
  | ({ type: 'abandon' } & ActionCommitmentEventMap['programme.ActionCommitmentAbandoned'] & Today);

export type ActionCommitmentState =
  | { status: 'none' }
  | (ActionCommitmentEventMap['programme.ActionCommitmentPromised'] & {
      status: ActionCommitmentStatus;
      progress: { date: string; note: string }[];
      doneOn?: string;
      evidence?: EvidenceRef;
      abandonedOn?: string;
      abandonReason?: string;
      revision: number;
    });
type Recorded = Exclude<ActionCommitmentState, { status: 'none' }>;

export const actionCommitmentStreamName = (id: string): string => `action-commitment-${id}`;
export const actionCommitmentIdOf = (streamName: string): string | undefined =>
  streamName.startsWith('action-commitment-') ? streamName.slice('action-commitment-'.length) : undefined;

/** Open (promised or in progress) and past its due date on `today`. */
export const isLate = (state: { status: ActionCommitmentStatus; dueDate: string }, today: string): boolean =>
  (state.status === 'promised' || state.status === 'in-progress') && state.dueDate < today;

function requireDate(date: string, field: string): void {
  if (!isBusinessDate(date)) throw new RuleViolation('invalid-date', `${date} n'est pas une date (aaaa-mm-jj)`, field);
}

function requireOpen(state: ActionCommitmentState): Recorded {
  if (state.status === 'none') throw new RuleViolation('action-commitment-not-recorded', "Enregistrez l'engagement d'action avant son suivi");
  if (state.status === 'done' || state.status === 'abandoned')
    throw new RuleViolation(
      'action-commitment-closed',
      `L'engagement d'action est ${ACTION_COMMITMENT_STATUS_LABELS[state.status]} : il ne change plus`,
      undefined,
      { status: state.status },
    );
  return state;
}

function requireFollowUpDate(state: Recorded, date: string, today: string): void {
  requireDate(date, 'date');
  requireNotAfterToday(date, today, 'date');
  if (date < state.promisedOn)
    throw new RuleViolation(
      'date-before-promise',
      `Le ${formatBusinessDate(date)} précède l'engagement, pris le ${formatBusinessDate(state.promisedOn)}`,
      'date',
    );
}

export function decideActionCommitment(command: ActionCommitmentCommand, state: ActionCommitmentState): ActionCommitmentEvent[] {
  switch (command.type) {
    case 'promise': {
      if (state.status !== 'none')
        throw new RuleViolation('action-commitment-exists', `L'engagement d'action ${command.actionCommitmentId} est déjà enregistré`, 'actionCommitmentId');
      requireDate(command.promisedOn, 'promisedOn');
      requireDate(command.dueDate, 'dueDate');
      requireNotAfterToday(command.promisedOn, command.today, 'promisedOn');
      if (command.dueDate < command.promisedOn)
        throw new RuleViolation(
          'due-date-before-promise',
          `L'échéance du ${formatBusinessDate(command.dueDate)} précède l'engagement, pris le ${formatBusinessDate(command.promisedOn)}`,
          'dueDate',
        );
      const { type: _t, today: _today, ...data } = command;
      return [{ type: 'programme.ActionCommitmentPromised', data }];
    }
    case 'progress': {
      const open = requireOpen(state);
      requireFollowUpDate(open, command.date, command.today);
      return [{ type: 'programme.ActionCommitmentProgressed', data: { date: command.date, note: command.note } }];
    }
    case 'complete': {
      const open = requireOpen(state);
      requireFollowUpDate(open, command.date, command.today);
      return [{ type: 'programme.ActionCommitmentCompleted', data: { date: command.date, evidence: command.evidence } }];
    }
    case 'abandon': {
      const open = requireOpen(state);
      requireFollowUpDate(open, command.date, command.today);
      return [{ type: 'programme.ActionCommitmentAbandoned', data: { date: command.date, reason: command.reason } }];
    }
    default:
      return assertNever(command);
  }
}

export function evolveActionCommitment(state: ActionCommitmentState, event: ActionCommitmentEvent): ActionCommitmentState {
  if (event.type === 'programme.ActionCommitmentPromised') return { status: 'promised', ...event.data, progress: [], revision: 0 };
  if (state.status === 'none') throw new Error(`${event.type} before ActionCommitmentPromised`);
  const next = { ...state, revision: state.revision + 1 };
  switch (event.type) {
    case 'programme.ActionCommitmentProgressed':
      return { ...next, status: 'in-progress', progress: [...state.progress, event.data] };
    case 'programme.ActionCommitmentCompleted':
      return { ...next, status: 'done', doneOn: event.data.date, evidence: event.data.evidence };
    case 'programme.ActionCommitmentAbandoned':
      return { ...next, status: 'abandoned', abandonedOn: event.data.date, abandonReason: event.data.reason };
    default:
      return assertNever(event);
  }
}

export const actionCommitmentDecider: Decider<ActionCommitmentCommand, ActionCommitmentEvent, ActionCommitmentState> = {
  decide: decideActionCommitment,
  evolve: evolveActionCommitment,
  initialState: { status: 'none' },
};

export const foldActionCommitment = (events: readonly ActionCommitmentEvent[]): ActionCommitmentState => fold(actionCommitmentDecider, events);

import { type Decider, fold, isAmountCents, isBusinessDate, RuleViolation, assertNever } from '@erbm/shared/kernel';

/** A meeting of a governance body (COPIL, comité partenarial, comité des financeurs…) and the decisions it takes. */

export const DECISION_OUTCOMES = ['approved', 'rejected', 'deferred', 'noted'] as const;
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

export interface DecisionAmount {
  financer: string;
  fundingLine?: string;
  amountCents: number;
}

export interface Decision {
  decisionId: string;
  subject: string;
  outcome: DecisionOutcome;
  operationId?: string;
  amounts: DecisionAmount[];
}

export type MeetingEventMap = {
  'governance.MeetingHeld': { meetingId: string; body: string; date: string; place: string; minutesReference?: string };
  'governance.DecisionTaken': Decision & { meetingId: string; date: string };
  'governance.MinutesRecorded': { minutesReference: string };
};
export type MeetingEvent = { [K in keyof MeetingEventMap]: { type: K; data: MeetingEventMap[K] } }[keyof MeetingEventMap];

export type MeetingCommand =
  | { type: 'hold'; meetingId: string; body: string; date: string; place: string; minutesReference?: string }
  | ({ type: 'takeDecision' } & Decision)
  | { type: 'recordMinutes'; minutesReference: string };

export type MeetingState =
  | { status: 'none' }
  | { status: 'held'; meetingId: string; body: string; date: string; place: string; minutesReference?: string; decisions: Decision[]; revision: number };

export const meetingStreamName = (meetingId: string): string => `meeting-${meetingId}`;

export function decideMeeting(command: MeetingCommand, state: MeetingState): MeetingEvent[] {
  switch (command.type) {
    case 'hold': {
      if (state.status !== 'none') throw new RuleViolation('meeting-exists', `Meeting ${command.meetingId} is already recorded`);
      if (!isBusinessDate(command.date)) throw new RuleViolation('invalid-date', `${command.date} is not a date (yyyy-mm-dd)`, 'date');
      const { type: _t, ...data } = command;
      return [{ type: 'governance.MeetingHeld', data }];
    }
    case 'takeDecision': {
      const held = requireHeld(state);
      if (held.decisions.some((d) => d.decisionId === command.decisionId))
        throw new RuleViolation('decision-exists', `Decision ${command.decisionId} is already recorded for this meeting`, 'decisionId');
      command.amounts.forEach((a, i) => {
        if (!isAmountCents(a.amountCents))
          throw new RuleViolation('invalid-amount', `${a.amountCents} is not an amount in euro cents`, `amounts[${i}].amountCents`);
      });
      const { type: _t, ...decision } = command;
      return [{ type: 'governance.DecisionTaken', data: { ...decision, meetingId: held.meetingId, date: held.date } }];
    }
    case 'recordMinutes': {
      const held = requireHeld(state);
      if (held.minutesReference === command.minutesReference)
        throw new RuleViolation('minutes-already-recorded', `Minutes ${command.minutesReference} are already recorded`, 'minutesReference');
      return [{ type: 'governance.MinutesRecorded', data: { minutesReference: command.minutesReference } }];
    }
    default:
      return assertNever(command);
  }
}

function requireHeld(state: MeetingState): Extract<MeetingState, { status: 'held' }> {
  if (state.status !== 'held') throw new RuleViolation('meeting-not-recorded', 'Record the meeting before its decisions');
  return state;
}

export function evolveMeeting(state: MeetingState, event: MeetingEvent): MeetingState {
  switch (event.type) {
    case 'governance.MeetingHeld':
      return { status: 'held', ...event.data, decisions: [], revision: 0 };
    case 'governance.DecisionTaken': {
      if (state.status !== 'held') throw new Error('DecisionTaken before MeetingHeld');
      const { meetingId: _m, date: _d, ...decision } = event.data;
      return { ...state, decisions: [...state.decisions, decision], revision: state.revision + 1 };
    }
    case 'governance.MinutesRecorded':
      if (state.status !== 'held') throw new Error('MinutesRecorded before MeetingHeld');
      return { ...state, minutesReference: event.data.minutesReference, revision: state.revision + 1 };
    default:
      return assertNever(event);
  }
}

export const meetingDecider: Decider<MeetingCommand, MeetingEvent, MeetingState> = {
  decide: decideMeeting,
  evolve: evolveMeeting,
  initialState: { status: 'none' },
};

export const foldMeeting = (events: readonly MeetingEvent[]): MeetingState => fold(meetingDecider, events);

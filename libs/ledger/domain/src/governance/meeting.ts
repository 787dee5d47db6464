import { type Decider, type Today, RuleViolation, assertNever, fold, isAmountCents, isBusinessDate, requireNotAfterToday } from '@erbm/shared/kernel';
import {
  type CountedProgramming,
  type DecisionAmount,
  type Grant,
  type GrantRules,
  countedFor,
  requireAmountsFor,
  requireWithinGrant,
  withProgrammed,
} from './grants';

/** A meeting of a governance body (COPIL, comité partenarial, comité des financeurs…) and the decisions it takes. */

export const DECISION_OUTCOMES = ['approved', 'rejected', 'deferred', 'noted'] as const;
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

/** How a decision's outcome reads in a sentence. */
export const DECISION_OUTCOME_LABELS: Readonly<Record<DecisionOutcome, string>> = {
  approved: 'approuvée',
  rejected: 'rejetée',
  deferred: 'ajournée',
  noted: 'prise pour information',
};

export interface Decision {
  decisionId: string;
  subject: string;
  outcome: DecisionOutcome;
  operationId?: string;
  amounts: DecisionAmount[];
}

/**
 * What commitments programmed under one decision, per commitment, financer and funding line, net of what was released
 * since (a programming corrected downwards, or one its commitment could not take). The meeting's stream is where this
 * is counted, so that two commitments programmed at once under one decision cannot both pass its ceiling (ADR 0015).
 */
export interface Programming extends CountedProgramming {
  decisionId: string;
}

export type MeetingEventMap = {
  'governance.MeetingHeld': { meetingId: string; body: string; date: string; place: string; minutesReference?: string };
  'governance.DecisionTaken': Decision & { meetingId: string; date: string };
  'governance.MinutesRecorded': { minutesReference: string };
  /** A commitment is programmed under one of the meeting's decisions: the commitment's own programming follows from it. */
  'governance.ProgrammingRecorded': Omit<Programming, 'amountCents'> & { amountCents: number; domain: string; date: string };
  /** Part of a programming no longer counts against the decision's amounts. */
  'governance.ProgrammingReleased': Omit<Programming, 'amountCents'> & { amountCents: number; date: string; reason: string };
};
export type MeetingEvent = { [K in keyof MeetingEventMap]: { type: K; data: MeetingEventMap[K] } }[keyof MeetingEventMap];

export type MeetingCommand =
  | ({ type: 'hold'; meetingId: string; body: string; date: string; place: string; minutesReference?: string } & Today)
  | ({ type: 'takeDecision' } & Decision)
  | { type: 'recordMinutes'; minutesReference: string }
  | ({ type: 'programme'; domain: string; date: string } & Programming & Today)
  | ({ type: 'releaseProgramming'; date: string; reason: string } & Programming);

export type MeetingState =
  | { status: 'none' }
  | {
      status: 'held';
      meetingId: string;
      body: string;
      date: string;
      place: string;
      minutesReference?: string;
      decisions: Decision[];
      programmings: Programming[];
      revision: number;
    };
type Held = Extract<MeetingState, { status: 'held' }>;

export const meetingStreamName = (meetingId: string): string => `meeting-${meetingId}`;

const decisionRules = (decisionId: string): GrantRules => ({
  name: `La décision ${decisionId}`,
  of: 'decision',
});

/** Only an approved decision grants money, and only to the financers and funding lines its amounts name. */
export function requireGrant(decision: Pick<Decision, 'decisionId' | 'outcome' | 'amounts'>, financer: string, fundingLine: string, field = 'decision'): Grant {
  if (decision.outcome !== 'approved')
    throw new RuleViolation(
      'decision-not-approved',
      `La décision ${decision.decisionId} est ${DECISION_OUTCOME_LABELS[decision.outcome]} : seule une décision approuvée programme ou accorde des crédits`,
      field,
      { outcome: decision.outcome },
    );
  return requireAmountsFor(decision, financer, fundingLine, decisionRules(decision.decisionId), field);
}

export function decideMeeting(command: MeetingCommand, state: MeetingState): MeetingEvent[] {
  switch (command.type) {
    case 'hold': {
      if (state.status !== 'none') throw new RuleViolation('meeting-exists', `La réunion ${command.meetingId} est déjà enregistrée`);
      requireDate(command.date);
      requireNotAfterToday(command.date, command.today, 'date');
      const { type: _t, today: _today, ...data } = command;
      return [{ type: 'governance.MeetingHeld', data }];
    }
    case 'takeDecision': {
      const held = requireHeld(state);
      if (held.decisions.some((d) => d.decisionId === command.decisionId))
        throw new RuleViolation('decision-exists', `La décision ${command.decisionId} de cette réunion est déjà enregistrée`, 'decisionId');
      command.amounts.forEach((a, i) => {
        if (!isAmountCents(a.amountCents))
          throw new RuleViolation('invalid-amount', `${a.amountCents} n'est pas un montant en centimes d'euro`, `amounts[${i}].amountCents`);
      });
      const { type: _t, ...decision } = command;
      return [{ type: 'governance.DecisionTaken', data: { ...decision, meetingId: held.meetingId, date: held.date } }];
    }
    case 'recordMinutes': {
      const held = requireHeld(state);
      if (held.minutesReference === command.minutesReference)
        throw new RuleViolation('minutes-already-recorded', `Le relevé de décisions ${command.minutesReference} est déjà enregistré`, 'minutesReference');
      return [{ type: 'governance.MinutesRecorded', data: { minutesReference: command.minutesReference } }];
    }
    case 'programme':
      return programme(command, requireHeld(state));
    case 'releaseProgramming': {
      const held = requireHeld(state);
      const recorded = countedFor(held.programmings, { ...command, amountCents: 0 }, sameDecision);
      // Never more than this commitment programmed under the decision: a programming recorded before the meetings
      // counted them is not in the count, and releasing it would free what was never taken.
      const amountCents = Math.min(command.amountCents, recorded);
      if (amountCents <= 0) return [];
      const { type: _t, ...data } = command;
      return [{ type: 'governance.ProgrammingReleased', data: { ...data, amountCents } }];
    }
    default:
      return assertNever(command);
  }
}

function programme(command: Extract<MeetingCommand, { type: 'programme' }>, held: Held): MeetingEvent[] {
  requireDate(command.date);
  requireNotAfterToday(command.date, command.today, 'date');
  if (!isAmountCents(command.amountCents) || command.amountCents === 0)
    throw new RuleViolation('invalid-amount', `${command.amountCents} n'est pas un montant positif en centimes d'euro`, 'amountCents');
  const decision = held.decisions.find((d) => d.decisionId === command.decisionId);
  if (!decision)
    throw new RuleViolation('unknown-decision', `La réunion ${held.meetingId} n'a pris aucune décision ${command.decisionId}`, 'decision.decisionId');
  requireGrant(decision, command.financer, command.fundingLine);
  const under = held.programmings.filter((p) => p.decisionId === decision.decisionId);
  requireWithinGrant(under, decision, command, decisionRules(decision.decisionId), 'decision');
  const { type: _t, today: _today, ...data } = command;
  return [{ type: 'governance.ProgrammingRecorded', data }];
}

function requireDate(date: string): void {
  if (!isBusinessDate(date)) throw new RuleViolation('invalid-date', `${date} n'est pas une date (aaaa-mm-jj)`, 'date');
}

function requireHeld(state: MeetingState): Held {
  if (state.status !== 'held') throw new RuleViolation('meeting-not-recorded', 'Enregistrez la réunion avant ses décisions');
  return state;
}

const sameDecision = (a: Programming, b: Programming) => a.decisionId === b.decisionId;

const programmingOf = (d: Programming): Programming => ({
  decisionId: d.decisionId,
  commitmentId: d.commitmentId,
  financer: d.financer,
  fundingLine: d.fundingLine,
  amountCents: d.amountCents,
});

export function evolveMeeting(state: MeetingState, event: MeetingEvent): MeetingState {
  if (event.type === 'governance.MeetingHeld') return { status: 'held', ...event.data, decisions: [], programmings: [], revision: 0 };
  if (state.status !== 'held') throw new Error(`${event.type} before MeetingHeld`);
  const next = { ...state, revision: state.revision + 1 };
  switch (event.type) {
    case 'governance.DecisionTaken': {
      const { meetingId: _m, date: _d, ...decision } = event.data;
      return { ...next, decisions: [...state.decisions, decision] };
    }
    case 'governance.MinutesRecorded':
      return { ...next, minutesReference: event.data.minutesReference };
    case 'governance.ProgrammingRecorded':
      return { ...next, programmings: withProgrammed(state.programmings, programmingOf(event.data), sameDecision) };
    case 'governance.ProgrammingReleased':
      return {
        ...next,
        programmings: withProgrammed(state.programmings, { ...programmingOf(event.data), amountCents: -event.data.amountCents }, sameDecision),
      };
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

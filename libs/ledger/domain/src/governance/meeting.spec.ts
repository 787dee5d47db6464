import { deciderSpec } from '@erbm/shared/testing';
import { type Decision, foldMeeting, type MeetingEvent, meetingDecider } from './meeting';

const { given } = deciderSpec(meetingDecider);
const held: MeetingEvent = { type: 'governance.MeetingHeld', data: { meetingId: 'm1', body: 'copil', date: '2023-01-16', place: 'Lille' } };

describe('meeting: none', () => {
  it('is held by a body on a date', () => {
    given([]).when({ type: 'hold', meetingId: 'm1', body: 'copil', date: '2023-01-16', place: 'Lille' }).then([held]);
  });
  it('takes no decision before it is recorded', () => {
    given([]).when({ type: 'takeDecision', decisionId: 'd1', subject: 's', outcome: 'approved', amounts: [] }).thenRefuses('meeting-not-recorded');
  });
});

describe('meeting: held', () => {
  it('records decisions dated by the meeting, each once', () => {
    const decision: Decision = {
      decisionId: 'd1',
      subject: 'Cité des Provinces',
      outcome: 'approved',
      operationId: 'op1',
      amounts: [{ financer: 'etat', amountCents: 1_000_00 }],
    };
    const taken: MeetingEvent = { type: 'governance.DecisionTaken', data: { ...decision, meetingId: 'm1', date: '2023-01-16' } };
    given([held])
      .when({ type: 'takeDecision', ...decision })
      .then([taken]);
    const state = foldMeeting([held, taken]);
    expect(state.status === 'held' && state.decisions.map((d) => d.decisionId)).toEqual(['d1']);
    given([held, taken])
      .when({ type: 'takeDecision', decisionId: 'd1', subject: 'x', outcome: 'noted', amounts: [] })
      .thenRefuses('decision-exists', 'decisionId');
  });
  it('refuses an amount that is not in cents', () => {
    given([held])
      .when({ type: 'takeDecision', decisionId: 'd2', subject: 's', outcome: 'approved', amounts: [{ financer: 'etat', amountCents: -5 }] })
      .thenRefuses('invalid-amount', 'amounts[0].amountCents');
  });
});

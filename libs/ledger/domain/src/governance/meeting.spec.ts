import { RuleViolation } from '@erbm/shared/kernel';
import { decideMeeting, foldMeeting, type MeetingEvent } from './meeting';

const held: MeetingEvent = { type: 'governance.MeetingHeld', data: { meetingId: 'm1', body: 'copil', date: '2023-01-16', place: 'Lille' } };

describe('meeting: none', () => {
  it('is held by a body on a date', () => {
    expect(decideMeeting({ type: 'hold', meetingId: 'm1', body: 'copil', date: '2023-01-16', place: 'Lille' }, foldMeeting([]))).toEqual([held]);
  });
  it('takes no decision before it is recorded', () => {
    expect(() => decideMeeting({ type: 'takeDecision', decisionId: 'd1', subject: 's', outcome: 'approved', amounts: [] }, foldMeeting([]))).toThrow(RuleViolation);
  });
});

describe('meeting: held', () => {
  it('records decisions dated by the meeting, each once', () => {
    const events = decideMeeting({ type: 'takeDecision', decisionId: 'd1', subject: 'Cité des Provinces', outcome: 'approved', operationId: 'op1', amounts: [{ financer: 'etat', amountCents: 1_000_00 }] }, foldMeeting([held]));
    expect(events[0].data).toMatchObject({ meetingId: 'm1', date: '2023-01-16', decisionId: 'd1' });
    const state = foldMeeting([held, ...events]);
    expect(state.status === 'held' && state.decisions.map((d) => d.decisionId)).toEqual(['d1']);
    expect(() => decideMeeting({ type: 'takeDecision', decisionId: 'd1', subject: 'x', outcome: 'noted', amounts: [] }, state)).toThrow(/already recorded/);
  });
  it('refuses an amount that is not in cents', () => {
    try {
      decideMeeting({ type: 'takeDecision', decisionId: 'd2', subject: 's', outcome: 'approved', amounts: [{ financer: 'etat', amountCents: -5 }] }, foldMeeting([held]));
      throw new Error('accepted');
    } catch (e) {
      expect((e as RuleViolation).field).toBe('amounts[0].amountCents');
    }
  });
});

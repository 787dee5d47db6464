import { RuleViolation } from '@erbm/shared/kernel';
import { deciderSpec } from '@erbm/shared/testing';
import { type Decision, type MeetingCommand, type MeetingEvent, type Programming, foldMeeting, meetingDecider } from './meeting';

/** The day these commands are decided on: the commands that record a dated fact (hold, programme) carry it. */
const TODAY = '2026-12-01';
const { given } = deciderSpec(meetingDecider);
const held: MeetingEvent = { type: 'governance.MeetingHeld', data: { meetingId: 'm1', body: 'copil', date: '2023-01-16', place: 'Lille' } };

describe('meeting: none', () => {
  it('is held by a body on a date', () => {
    given([]).when({ type: 'hold', meetingId: 'm1', body: 'copil', date: '2023-01-16', place: 'Lille', today: TODAY }).then([held]);
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

describe('meeting: held, no date after today', () => {
  it('refuses a meeting dated after today (Europe/Paris), and takes one held today', () => {
    given([])
      .when({ type: 'hold', meetingId: 'm1', body: 'copil', date: '2026-12-02', place: 'Lille', today: TODAY })
      .thenRefuses('date-after-today', 'date', { today: TODAY });
    expect(given([]).when({ type: 'hold', meetingId: 'm1', body: 'copil', date: TODAY, place: 'Lille', today: TODAY }).events()).toHaveLength(1);
  });
});

/** A decision of the meeting `held`, and the event that records it. */
const taken = (decision: Partial<Decision> & Pick<Decision, 'decisionId'>): MeetingEvent => ({
  type: 'governance.DecisionTaken',
  data: { subject: 'Programmation', outcome: 'approved', amounts: [], ...decision, meetingId: 'm1', date: '2023-01-16' },
});
const approved = taken({ decisionId: 'd1', amounts: [{ financer: 'etat', fundingLine: 'etat-p135', amountCents: 100_000_00 }] });
const programming = (overrides: Partial<Programming> = {}) => ({
  type: 'programme' as const,
  decisionId: 'd1',
  commitmentId: 'c1',
  domain: 'habitat',
  financer: 'etat',
  fundingLine: 'etat-p135',
  amountCents: 60_000_00,
  date: '2023-01-20',
  today: TODAY,
  ...overrides,
});
const recorded = (overrides: Partial<Programming> = {}): MeetingEvent => {
  const { type: _t, today: _today, ...data } = programming(overrides);
  return { type: 'governance.ProgrammingRecorded', data };
};

describe('meeting: held, commitments programmed under its decisions', () => {
  it('records a programming within what the decision approved for the financer and funding line', () => {
    given([held, approved]).when(programming()).then([recorded()]);
    const state = foldMeeting([held, approved, recorded(), recorded({ commitmentId: 'c2', amountCents: 40_000_00 })]);
    expect(state.status === 'held' && state.programmings.map((p) => [p.commitmentId, p.amountCents])).toEqual([
      ['c1', 60_000_00],
      ['c2', 40_000_00],
    ]);
  });

  it('programmes nothing under a rejected, adjourned or noted decision (50,000 € refused)', () => {
    for (const outcome of ['rejected', 'deferred', 'noted'] as const)
      given([held, taken({ decisionId: 'd1', outcome, amounts: [{ financer: 'etat', fundingLine: 'etat-p135', amountCents: 50_000_00 }] })])
        .when(programming({ amountCents: 50_000_00 }))
        .thenRefuses('decision-not-approved', 'decision', { outcome });
  });

  it("programmes only the decision's own financers and funding lines: 1 € for the Région is not 1,000,000 € of the State's", () => {
    const forRegion = taken({ decisionId: 'd1', amounts: [{ financer: 'region_hdf', fundingLine: 'region-erbm', amountCents: 1_00 }] });
    given([held, forRegion])
      .when(programming({ amountCents: 1_000_000_00 }))
      .thenRefuses('decision-not-for-funding-line', 'decision');
    given([held, approved])
      .when(programming({ fundingLine: 'etat-p112-fnadt', amountCents: 1_00 }))
      .thenRefuses('decision-not-for-funding-line');
    given([held, taken({ decisionId: 'd1', amounts: [] })])
      .when(programming({ amountCents: 1 }))
      .thenRefuses('decision-not-for-funding-line');
  });

  it('never programmes more under one decision, per financer and funding line, than it approved: the rest is in the refusal', () => {
    given([held, approved, recorded()])
      .when(programming({ commitmentId: 'c2', amountCents: 40_000_01 }))
      .thenRefuses('programme-exceeds-decision', 'amountCents', { remainingCents: 40_000_00, approvedCents: 100_000_00, programmedCents: 60_000_00 });
    given([held, approved, recorded()])
      .when(programming({ commitmentId: 'c2', amountCents: 40_000_00 }))
      .then([recorded({ commitmentId: 'c2', amountCents: 40_000_00 })]);
    // The same commitment programmed twice counts twice.
    given([held, approved, recorded()])
      .when(programming({ amountCents: 40_000_01 }))
      .thenRefuses('programme-exceeds-decision');
    expect(refusalOf([held, approved, recorded()], programming({ commitmentId: 'c2', amountCents: 50_000_00 })).message).toBe(
      'Programmer 50\u202f000,00\u00a0€ dépasserait ce que la décision d1 a approuvé pour etat sur la ligne etat-p135 : ' +
        '100\u202f000,00\u00a0€ approuvés, 60\u202f000,00\u00a0€ déjà programmés, reste 40\u202f000,00\u00a0€',
    );
  });

  it('counts each funding line apart, and a financer-wide amount for the lines the decision does not name', () => {
    const mixed = taken({
      decisionId: 'd1',
      amounts: [
        { financer: 'etat', fundingLine: 'etat-p135', amountCents: 10_00 },
        { financer: 'etat', amountCents: 30_00 },
      ],
    });
    const history = [held, mixed, recorded({ amountCents: 10_00 })];
    given(history)
      .when(programming({ amountCents: 1 }))
      .thenRefuses('programme-exceeds-decision', 'amountCents', { remainingCents: 0 });
    given(history)
      .when(programming({ fundingLine: 'etat-p112-fnadt', amountCents: 30_00 }))
      .then([recorded({ fundingLine: 'etat-p112-fnadt', amountCents: 30_00 })]);
    given([...history, recorded({ fundingLine: 'etat-p112-fnadt', amountCents: 20_00 })])
      .when(programming({ fundingLine: 'etat-p147', amountCents: 10_01 }))
      .thenRefuses('programme-exceeds-decision', 'amountCents', { remainingCents: 10_00 });
  });

  it('refuses a decision the meeting did not take, a programming dated after today, an amount that is not one', () => {
    given([held, approved])
      .when(programming({ decisionId: 'd9' }))
      .thenRefuses('unknown-decision', 'decision.decisionId');
    given([held, approved])
      .when({ ...programming(), date: '2199-12-31' })
      .thenRefuses('date-after-today', 'date');
    given([held, approved])
      .when(programming({ amountCents: 0 }))
      .thenRefuses('invalid-amount', 'amountCents');
    given([]).when(programming()).thenRefuses('meeting-not-recorded');
  });

  it('gets back what a programming released, never more than it counted', () => {
    const programmed = { decisionId: 'd1', commitmentId: 'c1', financer: 'etat', fundingLine: 'etat-p135', date: '2023-03-01', reason: 'correction' };
    const release = { type: 'releaseProgramming' as const, ...programmed };
    const released = given([held, approved, recorded()])
      .when({ ...release, amountCents: 20_000_00 })
      .events();
    expect(released).toEqual([{ type: 'governance.ProgrammingReleased', data: { ...programmed, amountCents: 20_000_00 } }]);
    given([held, approved, recorded(), ...released])
      .when(programming({ commitmentId: 'c2', amountCents: 60_000_01 }))
      .thenRefuses('programme-exceeds-decision', 'amountCents', { remainingCents: 60_000_00 });
    // Clamped to what this commitment programmed under the decision; nothing when it programmed nothing there.
    expect(
      given([held, approved, recorded()])
        .when({ ...release, amountCents: 90_000_00 })
        .events(),
    ).toEqual([{ type: 'governance.ProgrammingReleased', data: { ...programmed, amountCents: 60_000_00 } }]);
    given([held, approved, recorded()])
      .when({ ...release, commitmentId: 'c9', amountCents: 1 })
      .then([]);
  });

  it('says why in French', () => {
    const messages = [
      refusalOf([held], { type: 'hold', meetingId: 'm1', body: 'copil', date: '2023-01-16', place: 'Lille', today: TODAY }).message,
      refusalOf([], { type: 'recordMinutes', minutesReference: 'PV' }).message,
      refusalOf([held, approved], programming({ amountCents: 100_000_01 })).message,
      refusalOf([held, taken({ decisionId: 'd1', outcome: 'rejected' })], programming()).message,
    ];
    expect(messages).toEqual([
      'La réunion m1 est déjà enregistrée',
      'Enregistrez la réunion avant ses décisions',
      expect.stringContaining('dépasserait ce que la décision d1 a approuvé'),
      'La décision d1 est rejetée : seule une décision approuvée programme ou accorde des crédits',
    ]);
  });
});

function refusalOf(history: MeetingEvent[], command: MeetingCommand): RuleViolation {
  try {
    meetingDecider.decide(command, foldMeeting(history));
  } catch (error) {
    if (error instanceof RuleViolation) return error;
    throw error;
  }
  throw new Error(`${command.type} was not refused`);
}

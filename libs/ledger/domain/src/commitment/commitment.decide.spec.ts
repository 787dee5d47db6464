import { RuleViolation } from '@erbm/shared/kernel';
import { datedDeciderSpec } from '@erbm/shared/testing';
import type { CitedDecision } from './commitment.commands';
import type { CommitmentEvent, DecisionRef } from './commitment.events';
import { commitmentDecider } from './commitment.decide';
import { foldCommitment, resteAPayer } from './commitment.state';

/** The day these commands are decided on, unless one says otherwise. */
const TODAY = '2026-12-01';
const ref: DecisionRef = { meetingId: 'm1', decisionId: 'd1', date: '2023-01-16' };
/** The decision as a command cites it: approved, with an amount for the State's programme 135. */
const decision: CitedDecision = { ...ref, outcome: 'approved', amounts: [{ financer: 'etat', fundingLine: 'etat-p135', amountCents: 200_000_00 }] };
const announced: CommitmentEvent = {
  type: 'ledger.CommitmentAnnounced',
  data: {
    commitmentId: 'c1',
    operationId: 'op1',
    domain: 'exemple',
    financer: 'etat',
    fundingLine: 'etat-p135',
    fiscalYear: 2023,
    amountCents: 100_000_00,
    date: '2023-01-02',
  },
};
const programmed: CommitmentEvent = { type: 'ledger.CommitmentProgrammed', data: { amountCents: 100_000_00, date: '2023-01-16', decision: ref } };
const made: CommitmentEvent = {
  type: 'ledger.CommitmentMade',
  data: { amountCents: 100_000_00, date: '2023-02-01', legalAct: { kind: 'ej', reference: '2103456789', date: '2023-02-01' } },
};
const paid = (amountCents: number, kind: 'advance' | 'interim' | 'balance', date = '2023-03-01'): CommitmentEvent => ({
  type: 'ledger.PaymentMade',
  data: { amountCents, kind, date, reference: `DP-${kind}-${amountCents}` },
});
const committed = [announced, programmed, made];
const certified = (amountCents: number, date = '2023-02-20'): CommitmentEvent => ({
  type: 'ledger.ServiceCertified',
  data: { amountCents, date, reference: `SF-${amountCents}` },
});
const ordered = (amountCents: number, date = '2023-02-25'): CommitmentEvent => ({
  type: 'ledger.PaymentOrdered',
  data: { amountCents, date, reference: `DP-${amountCents}` },
});
/** Committed, and its whole amount certified and ordered: a payment then breaks no rule of the payment chain. */
const chained = [...committed, certified(100_000_00), ordered(100_000_00)];

const { given } = datedDeciderSpec(commitmentDecider, TODAY);

/** The refusal a command meets, to read its message. */
function refusalOf(history: CommitmentEvent[], command: Parameters<typeof commitmentDecider.decide>[0]): RuleViolation {
  try {
    commitmentDecider.decide(command, foldCommitment(history));
  } catch (error) {
    if (error instanceof RuleViolation) return error;
    throw error;
  }
  throw new Error(`${command.type} was not refused`);
}

describe('commitment: none', () => {
  it('is announced with its financer, funding line and fiscal year', () => {
    const { type: _t, ...data } = { type: 'announce', ...announced.data };
    given([])
      .when({ type: 'announce', ...data })
      .then([announced]);
  });
  it('refuses any other command', () => {
    given([]).when({ type: 'pay', amountCents: 1, date: '2023-01-01', kind: 'advance', reference: 'x' }).thenRefuses('commitment-not-announced');
  });
  it('refuses a malformed date and a fractional amount', () => {
    given([])
      .when({ type: 'announce', ...announced.data, date: '2023-02-30' })
      .thenRefuses('invalid-date', 'date');
    given([])
      .when({ type: 'announce', ...announced.data, amountCents: 10.5 })
      .thenRefuses('invalid-amount', 'amountCents');
  });
});

describe('commitment: announced', () => {
  it('refuses a second announcement', () => {
    given([announced])
      .when({ type: 'announce', ...announced.data })
      .thenRefuses('commitment-exists');
  });
  it('is programmed by a decision', () => {
    given([announced]).when({ type: 'programme', amountCents: 100_000_00, date: '2023-01-16', decision }).then([programmed]);
  });
  it('refuses a commitment above what was programmed unless a decision grants it', () => {
    const legalAct = { kind: 'arrete' as const, reference: 'A-1', date: '2023-02-01' };
    given([announced]).when({ type: 'commit', amountCents: 1, date: '2023-02-01', legalAct }).thenRefuses('commit-exceeds-programmed', 'decision');
    given([announced, programmed]).when({ type: 'commit', amountCents: 100_000_01, date: '2023-02-01', legalAct }).thenRefuses('commit-exceeds-programmed');
    expect(given([announced]).when({ type: 'commit', amountCents: 5, date: '2023-02-01', legalAct, decision }).events()).toHaveLength(1);
  });
  it('refuses payments before a legal act commits it', () => {
    given([announced, programmed]).when({ type: 'pay', amountCents: 1, date: '2023-03-01', kind: 'advance', reference: 'DP1' }).thenRefuses('not-committed');
  });
});

describe('commitment: committed', () => {
  it('keeps each ledger apart through a whole life cycle', () => {
    const events: CommitmentEvent[] = [
      ...committed,
      { type: 'ledger.CommitmentIncreased', data: { amountCents: 20_000_00, date: '2023-06-01', reason: 'avenant n°1', decision: ref } },
      { type: 'ledger.ServiceCertified', data: { amountCents: 30_000_00, date: '2023-06-10', reference: 'SF-1' } },
      { type: 'ledger.PaymentOrdered', data: { amountCents: 30_000_00, date: '2023-06-11', reference: 'DP-1' } },
      paid(30_000_00, 'advance'),
      { type: 'ledger.CommitmentReleased', data: { amountCents: 10_000_00, date: '2024-01-10', reason: 'moins-value' } },
      { type: 'ledger.AmountRecovered', data: { amountCents: 1_000_00, date: '2024-02-10', reference: 'TR-1', reason: 'trop-perçu' } },
    ];
    const s = foldCommitment(events);
    if (s.status === 'none') throw new Error('unreachable');
    expect(s.ledgers).toEqual({
      announced: 100_000_00,
      programmed: 100_000_00,
      committed: 120_000_00,
      certified: 30_000_00,
      ordered: 30_000_00,
      paid: 30_000_00,
      released: 10_000_00,
      recovered: 1_000_00,
    });
    expect(resteAPayer(s.ledgers)).toBe(80_000_00);
    expect(s.status).toBe('committed');
  });

  it('refuses paying, ordering or certifying more than is committed net of releases', () => {
    const released: CommitmentEvent = { type: 'ledger.CommitmentReleased', data: { amountCents: 10_000_00, date: '2023-05-01', reason: 'r' } };
    given([...committed, released])
      .when({ type: 'pay', amountCents: 90_000_01, date: '2023-06-01', kind: 'balance', reference: 'DP' })
      .thenRefuses('payment-exceeds-committed', 'amountCents');
    given([...committed, paid(60_000_00, 'interim')])
      .when({ type: 'pay', amountCents: 40_000_01, date: '2023-06-01', kind: 'balance', reference: 'DP' })
      .thenRefuses('payment-exceeds-committed');
    given(committed).when({ type: 'order', amountCents: 100_000_01, date: '2023-06-01', reference: 'DP' }).thenRefuses('order-exceeds-committed');
    given(committed).when({ type: 'certify', amountCents: 100_000_01, date: '2023-06-01', reference: 'SF' }).thenRefuses('certify-exceeds-committed');
    expect(
      given([...chained, paid(60_000_00, 'interim')])
        .when({ type: 'pay', amountCents: 40_000_00, date: '2023-06-01', kind: 'balance', reference: 'DP' })
        .events(),
    ).toHaveLength(1);
  });

  it('refuses an amendment, a release or a correction without a reason', () => {
    given(committed).when({ type: 'increase', amountCents: 1, date: '2023-06-01', decision }).thenRefuses('reason-required', 'reason');
    given(committed).when({ type: 'reduce', amountCents: 1, date: '2023-06-01', reason: '  ' }).thenRefuses('reason-required');
    given(committed).when({ type: 'release', amountCents: 1, date: '2023-06-01' }).thenRefuses('reason-required');
    given(committed).when({ type: 'carryOver', toFiscalYear: 2024, date: '2023-12-31' }).thenRefuses('reason-required');
    given(committed).when({ type: 'changeFundingLine', fundingLine: 'fnadt', date: '2023-12-31' }).thenRefuses('reason-required');
    given(committed).when({ type: 'correct', revision: 2, amountCents: 5, date: '2023-06-01' }).thenRefuses('reason-required');
  });

  it('refuses reducing or releasing below what is already paid', () => {
    given([...committed, paid(70_000_00, 'interim')])
      .when({ type: 'reduce', amountCents: 30_000_01, date: '2023-06-01', reason: 'r' })
      .thenRefuses('reduce-below-paid');
    given([...committed, paid(70_000_00, 'interim')])
      .when({ type: 'release', amountCents: 30_000_01, date: '2023-06-01', reason: 'r' })
      .thenRefuses('release-exceeds-remaining');
    given([...committed, paid(70_000_00, 'interim')])
      .when({ type: 'recover', amountCents: 70_000_01, date: '2023-06-01', reference: 'TR', reason: 'r' })
      .thenRefuses('recovery-exceeds-paid');
  });

  it('carries over to the next fiscal year only, and changes the funding line', () => {
    given(committed)
      .when({ type: 'carryOver', toFiscalYear: 2025, date: '2023-12-31', reason: 'report' })
      .thenRefuses('carry-over-not-next-year', 'toFiscalYear');
    const carried = given(committed).when({ type: 'carryOver', toFiscalYear: 2024, date: '2023-12-31', reason: 'report' }).events();
    const moved = given([...committed, ...carried])
      .when({ type: 'changeFundingLine', fundingLine: 'etat-p112-fnadt', date: '2024-01-15', reason: 'redéploiement' })
      .events();
    const s = foldCommitment([...committed, ...carried, ...moved]);
    expect(s).toMatchObject({ fiscalYear: 2024, fundingLine: 'etat-p112-fnadt' });
    given([...committed, ...carried, ...moved])
      .when({ type: 'changeFundingLine', fundingLine: 'etat-p112-fnadt', date: '2024-01-15', reason: 'r' })
      .thenRefuses('same-funding-line');
  });

  it('refuses to close while something remains to pay, then refuses anything once closed', () => {
    given([...committed, paid(60_000_00, 'interim')])
      .when({ type: 'close', date: '2024-01-01' })
      .thenRefuses('close-with-reste-a-payer');
    const closed = [...committed, paid(100_000_00, 'balance'), { type: 'ledger.CommitmentClosed', data: { date: '2024-01-01' } } as CommitmentEvent];
    given(closed).when({ type: 'pay', amountCents: 1, date: '2024-02-01', kind: 'balance', reference: 'DP' }).thenRefuses('commitment-closed');
    given(closed).when({ type: 'correct', revision: 3, amountCents: 99_000_00, date: '2024-02-01', reason: 'r' }).thenRefuses('commitment-closed');
  });

  it('lapses, releasing what was not paid', () => {
    const events = given([...committed, paid(30_000_00, 'advance')])
      .when({ type: 'lapse', date: '2026-01-01', reason: 'caducité' })
      .events();
    expect(events).toEqual([{ type: 'ledger.CommitmentLapsed', data: { releasedCents: 70_000_00, date: '2026-01-01', reason: 'caducité' } }]);
    const s = foldCommitment([...committed, paid(30_000_00, 'advance'), ...events]);
    expect(s.status).toBe('lapsed');
    if (s.status !== 'none') expect(resteAPayer(s.ledgers)).toBe(0);
  });
});

describe('commitment: committed, warnings real data raises (recorded, not refused)', () => {
  const warningsOf = (events: CommitmentEvent[]) => events.filter((e) => e.type === 'ledger.CommitmentWarningRaised').map((e) => e.data);
  // Certified and ordered in full, so that each test below isolates its own warning.
  const committed = chained;

  it('flags an advance above 30 %, but not at 30 % nor at 60 % with a guarantee', () => {
    expect(warningsOf(given(committed).when({ type: 'pay', amountCents: 30_000_00, date: '2023-03-01', kind: 'advance', reference: 'DP' }).events())).toEqual(
      [],
    );
    const over = given(committed).when({ type: 'pay', amountCents: 30_000_01, date: '2023-03-01', kind: 'advance', reference: 'DP' }).events();
    expect(over[0].type).toBe('ledger.PaymentMade');
    expect(warningsOf(over)).toEqual([
      expect.objectContaining({ code: 'advance-above-limit', raisedByRevision: 5, amountCents: 30_000_01, limitCents: 30_000_00 }),
    ]);
    expect(
      warningsOf(
        given(committed).when({ type: 'pay', amountCents: 60_000_00, date: '2023-03-01', kind: 'advance', reference: 'DP', guarantee: true }).events(),
      ),
    ).toEqual([]);
    expect(
      warningsOf(
        given(committed).when({ type: 'pay', amountCents: 60_000_01, date: '2023-03-01', kind: 'advance', reference: 'DP', guarantee: true }).events(),
      )[0].code,
    ).toBe('advance-above-limit');
  });

  it('flags advances and interim payments above 80 % together', () => {
    const history = [...committed, paid(30_000_00, 'advance'), paid(40_000_00, 'interim')];
    expect(warningsOf(given(history).when({ type: 'pay', amountCents: 10_000_00, date: '2023-05-01', kind: 'interim', reference: 'DP' }).events())).toEqual([]);
    expect(
      warningsOf(given(history).when({ type: 'pay', amountCents: 10_000_01, date: '2023-05-01', kind: 'interim', reference: 'DP' }).events())[0],
    ).toMatchObject({ code: 'interim-above-limit', amountCents: 80_000_01 });
  });

  it('flags a payment dated before the decision behind the commitment', () => {
    expect(warningsOf(given(committed).when({ type: 'pay', amountCents: 1_00, date: '2023-01-15', kind: 'interim', reference: 'DP' }).events())[0].code).toBe(
      'payment-before-decision',
    );
    expect(warningsOf(given(committed).when({ type: 'pay', amountCents: 1_00, date: '2023-01-16', kind: 'interim', reference: 'DP' }).events())).toEqual([]);
  });

  it('flags public aid over the eligible cost of the operation', () => {
    const legalAct = { kind: 'convention' as const, reference: 'CONV-1', date: '2023-02-01' };
    const run = (other: number) =>
      warningsOf(
        given([announced, programmed])
          .when({
            type: 'commit',
            amountCents: 100_000_00,
            date: '2023-02-01',
            legalAct,
            envelope: { eligibleCostCents: 500_000_00, otherCommitmentsCents: other },
          })
          .events(),
      );
    expect(run(400_000_00)).toEqual([]);
    expect(run(400_000_01)).toEqual([expect.objectContaining({ code: 'envelope-over-committed', amountCents: 500_000_01, limitCents: 500_000_00 })]);
  });

  it('flags a commitment that takes its funding line beyond the envelope of the year, as the register counted it', () => {
    const legalAct = { kind: 'ej' as const, reference: '2103456789', date: '2023-02-01' };
    const fundingEnvelope = (committedCents: number) => ({
      envelopeId: 'env-p135',
      label: 'Fonds ERBM P135',
      fundingLine: 'etat-p135',
      fromYear: 2017,
      toYear: 2027,
      amountCents: 1_000_000_00,
      committedCents,
    });
    const commit = (committedCents: number) =>
      warningsOf(
        given([announced, programmed])
          .when({ type: 'commit', amountCents: 100_000_00, date: '2023-02-01', legalAct, fundingEnvelope: fundingEnvelope(committedCents) })
          .events(),
      );
    expect(commit(900_000_00)).toEqual([]);
    const [raised] = commit(900_000_01);
    expect(raised).toEqual(
      expect.objectContaining({ code: 'funding-envelope-over-committed', amountCents: 1_000_000_01, limitCents: 1_000_000_00, raisedByRevision: 2 }),
    );
    expect(raised.message).toContain('etat-p135');
    expect(raised.message).toContain('2017–2027');
    const increased = given(committed)
      .when({ type: 'increase', amountCents: 1_00, date: '2023-03-01', reason: 'avenant', decision, fundingEnvelope: fundingEnvelope(1_000_000_00) })
      .events();
    expect(warningsOf(increased)).toEqual([
      expect.objectContaining({ code: 'funding-envelope-over-committed', amountCents: 1_000_001_00, raisedByRevision: 5 }),
    ]);
    // Without an envelope for the line and year, nothing is checked.
    expect(warningsOf(given([announced, programmed]).when({ type: 'commit', amountCents: 100_000_00, date: '2023-02-01', legalAct }).events())).toEqual([]);
  });

  it('keeps warnings on the commitment, with the revision of the fact that raised them', () => {
    const events = given(committed).when({ type: 'pay', amountCents: 50_000_00, date: '2023-01-01', kind: 'advance', reference: 'DP' }).events();
    const s = foldCommitment([...committed, ...events]);
    if (s.status === 'none') throw new Error('unreachable');
    expect(s.warnings.map((w) => [w.code, w.raisedByRevision])).toEqual([
      ['advance-above-limit', 5],
      ['payment-before-decision', 5],
    ]);
    expect(s.revision).toBe(7);
  });
});

describe('commitment: committed and paid, corrections', () => {
  const history = [...committed, paid(30_000_00, 'advance')];

  it('records a correction beside the fact it corrects and moves the ledger by the difference', () => {
    const events = given(history)
      .when({ type: 'correct', revision: 3, amountCents: 25_000_00, reference: 'DP-2023-0042', date: '2023-04-01', reason: 'erreur de saisie' })
      .events();
    expect(events).toEqual([
      {
        type: 'ledger.CommitmentFactCorrected',
        data: {
          correctsRevision: 3,
          correctsType: 'ledger.PaymentMade',
          reason: 'erreur de saisie',
          date: '2023-04-01',
          before: { amountCents: 30_000_00, date: '2023-03-01', reference: 'DP-advance-3000000' },
          after: { amountCents: 25_000_00, date: '2023-03-01', reference: 'DP-2023-0042' },
        },
      },
    ]);
    const s = foldCommitment([...history, ...events]);
    if (s.status === 'none') throw new Error('unreachable');
    expect(s.ledgers.paid).toBe(25_000_00);
    expect(s.facts[3].correctedBy).toEqual([4]);
    expect(s.facts[3].values.amountCents).toBe(25_000_00);
  });

  it('corrects a commitment amount downwards only as far as what is paid', () => {
    given(history).when({ type: 'correct', revision: 2, amountCents: 29_999_99, date: '2023-04-01', reason: 'r' }).thenRefuses('correction-breaks-ledger');
    const ok = given(history).when({ type: 'correct', revision: 2, amountCents: 30_000_00, date: '2023-04-01', reason: 'r' }).events();
    const s = foldCommitment([...history, ...ok]);
    if (s.status !== 'none') expect(s.ledgers.committed).toBe(30_000_00);
  });

  it('refuses to correct what is not a fact, or to change nothing', () => {
    given(history).when({ type: 'correct', revision: 9, amountCents: 1, date: '2023-04-01', reason: 'r' }).thenRefuses('fact-not-correctable', 'revision');
    given(history).when({ type: 'correct', revision: 3, amountCents: 30_000_00, date: '2023-04-01', reason: 'r' }).thenRefuses('correction-changes-nothing');
    given(history).when({ type: 'correct', revision: 1, reference: 'X', date: '2023-04-01', reason: 'r' }).thenRefuses('fact-not-correctable', 'reference');
  });
});

describe('commitment: the fiscal year follows from the date of the act', () => {
  const announce = { type: 'announce' as const, ...announced.data };

  it('refuses an announcement of 2024 as fiscal year 2093, and takes it as 2024', () => {
    given([])
      .when({ ...announce, date: '2024-03-14', fiscalYear: 2093 })
      .thenRefuses('fiscal-year-not-year-of-date', 'fiscalYear', { fiscalYear: 2024 });
    given([])
      .when({ ...announce, date: '2024-03-14', fiscalYear: 2025 })
      .thenRefuses('fiscal-year-not-year-of-date', 'fiscalYear');
    given([])
      .when({ ...announce, date: '2024-03-14', fiscalYear: 2024 })
      .then([{ type: 'ledger.CommitmentAnnounced', data: { ...announced.data, date: '2024-03-14', fiscalYear: 2024 } }]);
  });

  it('moves to another year only by a carry-over, to the next one', () => {
    const carried = given(committed).when({ type: 'carryOver', toFiscalYear: 2024, date: '2023-12-31', reason: 'report' }).events();
    expect(foldCommitment([...committed, ...carried])).toMatchObject({ fiscalYear: 2024 });
  });
});

describe('commitment: no fact dated after today (Europe/Paris)', () => {
  it('refuses a payment dated 31/12/2199, and takes one dated today', () => {
    given(chained)
      .when({ type: 'pay', amountCents: 1_00, date: '2199-12-31', kind: 'balance', reference: 'DP' })
      .thenRefuses('date-after-today', 'date', { today: TODAY });
    given(chained)
      .when({ type: 'pay', amountCents: 1_00, date: '2026-12-02', kind: 'balance', reference: 'DP', today: '2026-12-01' })
      .thenRefuses('date-after-today', 'date');
    expect(
      given(chained).when({ type: 'pay', amountCents: 1_00, date: '2026-12-01', kind: 'balance', reference: 'DP', today: '2026-12-01' }).events(),
    ).toHaveLength(1);
  });

  it('refuses it for every fact: an announcement, a legal act signed later, a corrected date', () => {
    given([])
      .when({ type: 'announce', ...announced.data, date: '2027-01-04', fiscalYear: 2027 })
      .thenRefuses('date-after-today', 'date');
    given([announced, programmed])
      .when({ type: 'commit', amountCents: 1_00, date: '2023-02-01', legalAct: { kind: 'arrete', reference: 'A-1', date: '2027-01-04' } })
      .thenRefuses('date-after-today', 'legalAct.date');
    given([...chained, paid(1_00, 'interim')])
      .when({ type: 'correct', revision: 5, factDate: '2027-01-04', date: '2026-11-30', reason: 'erreur de date' })
      .thenRefuses('date-after-today', 'factDate');
  });
});

describe('commitment: a decision cited to commit more than was programmed', () => {
  const legalAct = { kind: 'arrete' as const, reference: 'A-1', date: '2023-02-01' };
  const cite = (overrides: Partial<CitedDecision>): CitedDecision => ({ ...decision, ...overrides });

  it('grants nothing unless it was approved', () => {
    for (const outcome of ['rejected', 'deferred', 'noted'] as const)
      given([announced])
        .when({ type: 'commit', amountCents: 1, date: '2023-02-01', legalAct, decision: cite({ outcome }) })
        .thenRefuses('decision-not-approved', 'decision');
    given(committed)
      .when({ type: 'increase', amountCents: 1, date: '2023-06-01', reason: 'avenant', decision: cite({ outcome: 'rejected' }) })
      .thenRefuses('decision-not-approved', 'decision', { outcome: 'rejected' });
  });

  it("grants only its amounts' own financer and funding line", () => {
    const forRegion = cite({ amounts: [{ financer: 'region_hdf', fundingLine: 'region-erbm', amountCents: 1_00 }] });
    given([announced])
      .when({ type: 'commit', amountCents: 1_000_000_00, date: '2023-02-01', legalAct, decision: forRegion })
      .thenRefuses('decision-not-for-funding-line');
    const otherLine = cite({ amounts: [{ financer: 'etat', fundingLine: 'etat-p112-fnadt', amountCents: 1_000_000_00 }] });
    given([announced])
      .when({ type: 'commit', amountCents: 1_00, date: '2023-02-01', legalAct, decision: otherLine })
      .thenRefuses('decision-not-for-funding-line');
    // An amount that names the financer alone grants any of its lines.
    const anyLine = cite({ amounts: [{ financer: 'etat', amountCents: 1_00 }] });
    expect(given([announced]).when({ type: 'commit', amountCents: 1_00, date: '2023-02-01', legalAct, decision: anyLine }).events()).toEqual([
      { type: 'ledger.CommitmentMade', data: { amountCents: 1_00, date: '2023-02-01', legalAct, decision: ref } },
    ]);
  });
});

describe('commitment: corrections of a programming', () => {
  it('may lower what was programmed, never raise it (the difference is programmed by a decision)', () => {
    given(committed)
      .when({ type: 'correct', revision: 1, amountCents: 100_000_01, date: '2023-04-01', reason: 'erreur' })
      .thenRefuses('correction-raises-programmed', 'amountCents');
    const lowered = given(committed).when({ type: 'correct', revision: 1, amountCents: 90_000_00, date: '2023-04-01', reason: 'erreur' }).events();
    expect(foldCommitment([...committed, ...lowered])).toMatchObject({ ledgers: { programmed: 90_000_00 } });
  });
});

describe('commitment: the payment chain (warnings beside the payment)', () => {
  const warningsOf = (events: CommitmentEvent[]) => events.filter((e) => e.type === 'ledger.CommitmentWarningRaised').map((e) => e.data);

  it('flags a full balance paid with nothing certified nor ordered, and records the payment', () => {
    const events = given(committed).when({ type: 'pay', amountCents: 100_000_00, date: '2023-06-01', kind: 'balance', reference: 'DP' }).events();
    expect(events[0]).toMatchObject({ type: 'ledger.PaymentMade', data: { amountCents: 100_000_00 } });
    expect(warningsOf(events)).toEqual([
      expect.objectContaining({ code: 'payment-exceeds-certified', raisedByRevision: 3, amountCents: 100_000_00, limitCents: 0 }),
      expect.objectContaining({ code: 'payment-exceeds-ordered', raisedByRevision: 3, amountCents: 100_000_00, limitCents: 0 }),
    ]);
    const state = foldCommitment([...committed, ...events]);
    expect(state.status !== 'none' && state.warnings.map((w) => w.code)).toEqual(['payment-exceeds-certified', 'payment-exceeds-ordered']);
  });

  it('counts what was paid before: each ledger of the chain against the payments made in all', () => {
    const history = [...committed, certified(60_000_00), ordered(50_000_00), paid(40_000_00, 'interim')];
    expect(warningsOf(given(history).when({ type: 'pay', amountCents: 10_000_00, date: '2023-06-01', kind: 'interim', reference: 'DP' }).events())).toEqual([]);
    expect(warningsOf(given(history).when({ type: 'pay', amountCents: 10_000_01, date: '2023-06-01', kind: 'interim', reference: 'DP' }).events())).toEqual([
      expect.objectContaining({ code: 'payment-exceeds-ordered', amountCents: 50_000_01, limitCents: 50_000_00 }),
    ]);
    expect(
      warningsOf(given(history).when({ type: 'pay', amountCents: 20_000_01, date: '2023-06-01', kind: 'interim', reference: 'DP' }).events()).map(
        (w) => w.code,
      ),
    ).toEqual(['payment-exceeds-certified', 'payment-exceeds-ordered']);
  });

  it('says so in French, with the amounts as French write them', () => {
    const [, warning] = given(committed).when({ type: 'pay', amountCents: 1_234_56, date: '2023-06-01', kind: 'interim', reference: 'DP' }).events();
    expect(warning.data).toMatchObject({ message: 'Paiements cumulés 1\u202f234,56\u00a0€ : au-delà du service fait certifié (0,00\u00a0€)' });
  });
});

describe('commitment: refusals are said in French, with dates and amounts as French write them', () => {
  it('gives each refusal a French message', () => {
    const closed: CommitmentEvent[] = [...chained, paid(100_000_00, 'balance'), { type: 'ledger.CommitmentClosed', data: { date: '2024-01-01' } }];
    const refusals = [
      refusalOf([announced], { type: 'announce', ...announced.data, today: TODAY }),
      refusalOf([], { type: 'pay', amountCents: 1, date: '2023-01-01', kind: 'advance', reference: 'x', today: TODAY }),
      refusalOf(closed, { type: 'pay', amountCents: 1, date: '2024-02-01', kind: 'balance', reference: 'DP', today: TODAY }),
      refusalOf([], { type: 'announce', ...announced.data, fiscalYear: 2093, today: TODAY }),
      refusalOf([announced], {
        type: 'commit',
        amountCents: 1,
        date: '2023-02-01',
        legalAct: { kind: 'arrete', reference: 'A', date: '2023-02-01' },
        today: TODAY,
      }),
      refusalOf([announced, programmed], { type: 'pay', amountCents: 1, date: '2023-03-01', kind: 'advance', reference: 'DP', today: TODAY }),
      refusalOf(committed, { type: 'pay', amountCents: 100_000_01, date: '2023-03-01', kind: 'balance', reference: 'DP', today: TODAY }),
      refusalOf(committed, { type: 'reduce', amountCents: 1, date: '2023-06-01', today: TODAY }),
      refusalOf([...committed, paid(70_000_00, 'interim')], { type: 'reduce', amountCents: 30_000_01, date: '2023-06-01', reason: 'r', today: TODAY }),
      refusalOf([...committed, paid(70_000_00, 'interim')], { type: 'release', amountCents: 30_000_01, date: '2023-06-01', reason: 'r', today: TODAY }),
      refusalOf(committed, { type: 'recover', amountCents: 1, date: '2023-06-01', reference: 'TR', reason: 'r', today: TODAY }),
      refusalOf(committed, { type: 'carryOver', toFiscalYear: 2025, date: '2023-12-31', reason: 'r', today: TODAY }),
      refusalOf(committed, { type: 'changeFundingLine', fundingLine: 'etat-p135', date: '2023-12-31', reason: 'r', today: TODAY }),
      refusalOf(committed, { type: 'close', date: '2024-01-01', today: TODAY }),
      refusalOf(committed, { type: 'correct', revision: 9, amountCents: 1, date: '2023-04-01', reason: 'r', today: TODAY }),
      refusalOf(committed, { type: 'correct', revision: 2, amountCents: 100_000_00, date: '2023-04-01', reason: 'r', today: TODAY }),
      refusalOf([...committed, paid(1_00, 'interim')], { type: 'correct', revision: 2, amountCents: 0, date: '2023-04-01', reason: 'r', today: TODAY }),
      refusalOf(committed, { type: 'correct', revision: 1, amountCents: 100_000_01, date: '2023-04-01', reason: 'r', today: TODAY }),
      refusalOf(committed, { type: 'pay', amountCents: 1, date: '2199-12-31', kind: 'balance', reference: 'DP', today: TODAY }),
      refusalOf(committed, { type: 'pay', amountCents: 0, date: '2023-03-01', kind: 'balance', reference: 'DP', today: TODAY }),
      refusalOf(committed, { type: 'increase', amountCents: 1, date: '2023-06-01', reason: 'r', decision: { ...decision, outcome: 'rejected' }, today: TODAY }),
      refusalOf(committed, { type: 'increase', amountCents: 1, date: '2023-06-01', reason: 'r', decision: { ...decision, amounts: [] }, today: TODAY }),
    ];
    expect(new Set(refusals.map((r) => r.rule)).size).toBe(refusals.length);
    for (const refusal of refusals)
      expect({ rule: refusal.rule, message: refusal.message }).toEqual({ rule: refusal.rule, message: expect.not.stringMatching(ENGLISH) });
    expect(refusals.find((r) => r.rule === 'commitment-closed')?.message).toBe(
      "L'engagement est clos depuis le 01/01/2024 : plus rien ne peut y être enregistré",
    );
    expect(refusals.find((r) => r.rule === 'payment-exceeds-committed')?.message).toBe(
      '100\u202f000,01\u00a0€ seraient payés, au-delà des 100\u202f000,00\u00a0€ engagés',
    );
    expect(refusals.find((r) => r.rule === 'date-after-today')?.message).toBe(
      "La date du 31/12/2199 est postérieure à aujourd'hui (01/12/2026) : un fait ne s'enregistre qu'une fois survenu",
    );
  });
});

/** Words an English message has and a French one does not. */
const ENGLISH = /\b(the|is|are|was|would|must|cannot|already|above|first|since|not|no|only|than)\b/i;

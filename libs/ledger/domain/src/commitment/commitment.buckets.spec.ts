import type { CommitmentEvent, Ledgers } from './commitment.events';
import { type LedgerBucket, emptyLedgers, foldCommitment } from './commitment.state';

/** Where each fact counts: by funding line and year (ADR 0016). */

const announced = (fiscalYear = 2022, date = '2022-01-10'): CommitmentEvent => ({
  type: 'ledger.CommitmentAnnounced',
  data: { commitmentId: 'c1', operationId: 'op1', domain: 'exemple', financer: 'etat', fundingLine: 'etat-p135', fiscalYear, amountCents: 1_000_00, date },
});
const programmed = (date = '2022-02-01'): CommitmentEvent => ({
  type: 'ledger.CommitmentProgrammed',
  data: { amountCents: 1_000_00, date, decision: { meetingId: 'm1', decisionId: 'd1', date } },
});
const made = (amountCents = 1_000_00, date = '2022-03-01'): CommitmentEvent => ({
  type: 'ledger.CommitmentMade',
  data: { amountCents, date, legalAct: { kind: 'ej', reference: '2103456789', date } },
});
const paid = (amountCents: number, date: string): CommitmentEvent => ({
  type: 'ledger.PaymentMade',
  data: { amountCents, date, kind: 'advance', reference: `DP-${date}` },
});
const certified = (amountCents: number, date: string): CommitmentEvent => ({
  type: 'ledger.ServiceCertified',
  data: { amountCents, date, reference: `SF-${date}` },
});
const carriedOver = (from: number, date: string): CommitmentEvent => ({
  type: 'ledger.CommitmentCarriedOver',
  data: { fromFiscalYear: from, toFiscalYear: from + 1, date, reason: 'report' },
});
const lineChanged = (from: string, to: string, date: string): CommitmentEvent => ({
  type: 'ledger.CommitmentFundingLineChanged',
  data: { from, to, date, reason: 'changement de programme' },
});

const ledgers = (values: Partial<Ledgers>): Ledgers => ({ ...emptyLedgers(), ...values });
const bucket = (fundingLine: string, year: number, values: Partial<Ledgers>): LedgerBucket => ({ fundingLine, fiscalYear: year, ledgers: ledgers(values) });

function bucketsOf(events: CommitmentEvent[]) {
  const state = foldCommitment(events);
  if (state.status === 'none') throw new Error('no commitment');
  return state;
}

/** The buckets add up to the commitment's ledgers, whatever moved. */
function expectBucketsAddUp(events: CommitmentEvent[]) {
  const state = bucketsOf(events);
  const sum = emptyLedgers();
  for (const b of state.buckets) for (const l of Object.keys(sum) as (keyof Ledgers)[]) sum[l] += b.ledgers[l];
  expect(sum).toEqual(state.ledgers);
}

describe('commitment buckets: each fact counts in the year and on the line where it happened', () => {
  it('a commitment whose facts are all of its fiscal year has one bucket, equal to its ledgers', () => {
    const events = [announced(), programmed(), made(), paid(300_00, '2022-06-01')];
    const state = bucketsOf(events);
    expect(state.buckets).toEqual([bucket('etat-p135', 2022, state.ledgers)]);
  });

  it('paid in 2022, carried over to 2023: the 2022 payment stays in 2022, the reste à payer moves to 2023', () => {
    const events = [announced(), programmed(), made(), paid(300_00, '2022-06-01'), carriedOver(2022, '2022-12-31')];
    const state = bucketsOf(events);
    expect(state.fiscalYear).toBe(2023);
    expect(state.buckets).toEqual([
      bucket('etat-p135', 2022, { announced: 1_000_00, programmed: 1_000_00, committed: 300_00, paid: 300_00 }),
      bucket('etat-p135', 2023, { committed: 700_00 }),
    ]);
    expectBucketsAddUp(events);
    // Paid in 2023 after the carry-over: counted in 2023, against the reste à payer carried there.
    const later = bucketsOf([...events, paid(700_00, '2023-02-01')]);
    expect(later.buckets[1]).toEqual(bucket('etat-p135', 2023, { committed: 700_00, paid: 700_00 }));
  });

  it('a carry-over moves the open announced and programmed amounts with the reste à payer, and only them', () => {
    const partly: CommitmentEvent[] = [
      announced(),
      {
        type: 'ledger.CommitmentProgrammed',
        data: { amountCents: 600_00, date: '2022-02-01', decision: { meetingId: 'm', decisionId: 'd', date: '2022-02-01' } },
      },
      made(400_00),
      certified(100_00, '2022-05-01'),
      carriedOver(2022, '2022-12-31'),
    ];
    expect(bucketsOf(partly).buckets).toEqual([
      bucket('etat-p135', 2022, { announced: 600_00, programmed: 400_00, committed: 0, certified: 100_00 }),
      bucket('etat-p135', 2023, { announced: 400_00, programmed: 200_00, committed: 400_00 }),
    ]);
    expectBucketsAddUp(partly);
    // Nothing open: the carry-over moves nothing and makes no bucket.
    const done = [announced(), programmed(), made(), paid(1_000_00, '2022-06-01'), carriedOver(2022, '2022-12-31')];
    expect(bucketsOf(done).buckets.map((b) => b.fiscalYear)).toEqual([2022]);
  });

  it('a change of funding line moves what is open to the new line; the payment made stays on the old one', () => {
    const events = [announced(), programmed(), made(), paid(250_00, '2022-06-01'), lineChanged('etat-p135', 'etat-p147', '2022-09-01')];
    const state = bucketsOf(events);
    expect(state.fundingLine).toBe('etat-p147');
    expect(state.buckets).toEqual([
      bucket('etat-p135', 2022, { announced: 1_000_00, programmed: 1_000_00, committed: 250_00, paid: 250_00 }),
      bucket('etat-p147', 2022, { committed: 750_00 }),
    ]);
    // A payment after the change counts on the new line.
    expect(bucketsOf([...events, paid(100_00, '2022-10-01')]).buckets[1]).toEqual(bucket('etat-p147', 2022, { committed: 750_00, paid: 100_00 }));
    expectBucketsAddUp(events);
  });

  it('a fact dated in another year than the fiscal year counts in the year of its date', () => {
    // Announced and programmed for 2022, committed on 5 January 2023, before any carry-over is recorded.
    const events = [announced(), programmed(), made(1_000_00, '2023-01-05')];
    expect(bucketsOf(events).buckets).toEqual([
      bucket('etat-p135', 2022, { announced: 1_000_00, programmed: 1_000_00 }),
      bucket('etat-p135', 2023, { committed: 1_000_00 }),
    ]);
    // The carry-over then moves nothing: nothing is open (all programmed was committed), and the reste à payer is in
    // 2023 already, not in 2022 to be moved out of it.
    const carried = bucketsOf([...events, carriedOver(2022, '2023-01-10')]);
    expect(carried.buckets).toEqual([
      bucket('etat-p135', 2022, { announced: 1_000_00, programmed: 1_000_00 }),
      bucket('etat-p135', 2023, { committed: 1_000_00 }),
    ]);
  });

  it('a correction of a 2022 payment recorded later counts in 2022; one that moves its date to 2023 moves it there', () => {
    const events = [announced(), programmed(), made(), paid(300_00, '2022-06-01'), carriedOver(2022, '2022-12-31')];
    const corrected: CommitmentEvent = {
      type: 'ledger.CommitmentFactCorrected',
      data: {
        correctsRevision: 3,
        correctsType: 'ledger.PaymentMade',
        reason: 'erreur de saisie',
        date: '2023-03-15',
        before: { amountCents: 300_00, date: '2022-06-01', reference: 'DP-2022-06-01' },
        after: { amountCents: 250_00, date: '2022-06-01', reference: 'DP-2022-06-01' },
      },
    };
    const state = bucketsOf([...events, corrected]);
    expect(state.buckets).toEqual([
      bucket('etat-p135', 2022, { announced: 1_000_00, programmed: 1_000_00, committed: 300_00, paid: 250_00 }),
      bucket('etat-p135', 2023, { committed: 700_00 }),
    ]);
    expect(state.ledgers.paid).toBe(250_00);
    const redated: CommitmentEvent = {
      ...corrected,
      data: { ...corrected.data, after: { amountCents: 300_00, date: '2023-01-03', reference: 'DP-2022-06-01' } },
    } as CommitmentEvent;
    const moved = bucketsOf([...events, redated]);
    expect(moved.buckets).toEqual([
      bucket('etat-p135', 2022, { announced: 1_000_00, programmed: 1_000_00, committed: 300_00, paid: 0 }),
      bucket('etat-p135', 2023, { committed: 700_00, paid: 300_00 }),
    ]);
    expect(moved.facts[3].fiscalYear).toBe(2023);
    expectBucketsAddUp([...events, redated]);
  });

  it('after a carry-over, a change of funding line moves the reste à payer carried, not the programmed amount committed in the year left', () => {
    const events = [
      announced(),
      programmed(),
      made(),
      paid(300_00, '2022-06-01'),
      carriedOver(2022, '2022-12-31'),
      lineChanged('etat-p135', 'etat-p147', '2023-02-01'),
    ];
    expect(bucketsOf(events).buckets).toEqual([
      bucket('etat-p135', 2022, { announced: 1_000_00, programmed: 1_000_00, committed: 300_00, paid: 300_00 }),
      bucket('etat-p135', 2023, { committed: 0 }),
      bucket('etat-p147', 2023, { committed: 700_00 }),
    ]);
    expectBucketsAddUp(events);
  });

  it('a carry-over moves the reste à payer of the year left: a payment already counted in the next year is not moved twice', () => {
    // Paid in January 2023, before the carry-over of 31 December 2022 was recorded.
    const events = [announced(), programmed(), made(), paid(300_00, '2023-01-20'), carriedOver(2022, '2022-12-31')];
    expect(bucketsOf(events).buckets).toEqual([
      bucket('etat-p135', 2022, { announced: 1_000_00, programmed: 1_000_00, committed: 0 }),
      bucket('etat-p135', 2023, { committed: 1_000_00, paid: 300_00 }),
    ]);
  });

  it('a lapse releases in the year of its date; a reduction takes from the year it is dated', () => {
    const events: CommitmentEvent[] = [
      announced(),
      programmed(),
      made(),
      { type: 'ledger.CommitmentReduced', data: { amountCents: 200_00, date: '2023-02-01', reason: 'moins-value' } },
      { type: 'ledger.CommitmentLapsed', data: { releasedCents: 800_00, date: '2024-01-10', reason: 'caducité' } },
    ];
    expect(bucketsOf(events).buckets).toEqual([
      bucket('etat-p135', 2022, { announced: 1_000_00, programmed: 1_000_00, committed: 1_000_00 }),
      bucket('etat-p135', 2023, { committed: -200_00 }),
      bucket('etat-p135', 2024, { released: 800_00 }),
    ]);
    expectBucketsAddUp(events);
  });
});

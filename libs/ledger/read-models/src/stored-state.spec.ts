import type { WithoutToday } from '@erbm/shared/kernel';
import {
  type CommitmentCommand,
  type CommitmentEvent,
  type CommitmentState,
  decideCommitment,
  evolveCommitment,
  initialCommitmentState,
  resteAPayer,
} from '@erbm/ledger/domain';
import { fullState, leanState } from './stored-state';

/** What the register's columns are made of. */
const columns = (s: CommitmentState) =>
  s.status === 'none'
    ? s
    : {
        status: s.status,
        ledgers: s.ledgers,
        buckets: s.buckets,
        resteAPayer: resteAPayer(s.ledgers),
        warnings: s.warnings,
        decisions: s.decisions,
        legalActs: s.legalActs,
        fiscalYear: s.fiscalYear,
        fundingLine: s.fundingLine,
        financer: s.financer,
        operationId: s.operationId,
        revision: s.revision,
      };

/** Decides a command on the day it is dated. */
const decide = (command: WithoutToday<CommitmentCommand>, state: CommitmentState) =>
  decideCommitment({ ...command, today: command.date } as CommitmentCommand, state);

const HISTORY: WithoutToday<CommitmentCommand>[] = [
  {
    type: 'announce',
    commitmentId: 'c1',
    operationId: 'o1',
    domain: 'exemple',
    financer: 'etat',
    fundingLine: 'etat-p135',
    fiscalYear: 2022,
    amountCents: 100_000_00,
    date: '2022-01-10',
  },
  { type: 'programme', amountCents: 100_000_00, date: '2022-02-01', decision: { meetingId: 'm1', decisionId: 'D1', date: '2022-02-01' } },
  { type: 'commit', amountCents: 100_000_00, date: '2022-03-01', legalAct: { kind: 'convention', reference: 'C-1', date: '2022-03-01' } },
  { type: 'certify', amountCents: 40_000_00, date: '2022-03-20', reference: 'SF-0' },
  { type: 'order', amountCents: 40_000_00, date: '2022-03-25', reference: 'OP-0' },
  // An advance above 30 %: the decider raises a warning that points at the payment's revision.
  { type: 'pay', amountCents: 40_000_00, date: '2022-04-01', kind: 'advance', reference: 'DP-1' },
  {
    type: 'increase',
    amountCents: 10_000_00,
    date: '2022-05-01',
    reason: 'avenant',
    legalAct: { kind: 'avenant', reference: 'AV-1', date: '2022-05-01' },
    decision: {
      meetingId: 'm2',
      decisionId: 'D2',
      date: '2022-05-01',
      outcome: 'approved',
      amounts: [{ financer: 'etat', fundingLine: 'etat-p135', amountCents: 10_000_00 }],
    },
  },
  { type: 'reduce', amountCents: 5_000_00, date: '2022-06-01', reason: 'moins-value' },
  // A correction of the payment, then one of the reduction (a fact whose sign is -1), then the payment again.
  { type: 'correct', revision: 5, amountCents: 30_000_00, date: '2022-07-01', reason: 'erreur de saisie' },
  { type: 'carryOver', toFiscalYear: 2023, date: '2022-12-31', reason: 'report' },
  { type: 'changeFundingLine', fundingLine: 'etat-fnadt', date: '2023-01-05', reason: 'changement de ligne' },
  { type: 'certify', amountCents: 20_000_00, date: '2023-02-01', reference: 'SF-1' },
  { type: 'order', amountCents: 20_000_00, date: '2023-02-10', reference: 'OP-1' },
  { type: 'pay', amountCents: 20_000_00, date: '2023-02-15', kind: 'interim', reference: 'DP-2' },
  { type: 'recover', amountCents: 1_000_00, date: '2023-03-01', reference: 'TR-1', reason: 'trop-perçu' },
  { type: 'release', amountCents: 2_000_00, date: '2023-04-01', reason: 'fin de travaux' },
];

describe('the register keeps the decider state lean between batches', () => {
  it('makes every column exactly as the full state does, after each event, corrections and warnings included', () => {
    let full: CommitmentState = initialCommitmentState;
    let stored: CommitmentState = initialCommitmentState;
    const applied: CommitmentEvent[] = [];
    const evolveBoth = (e: CommitmentEvent) => {
      applied.push(e);
      full = evolveCommitment(full, e);
      // As the projection does: evolve what it loaded, store it lean, load it again at the next batch.
      stored = fullState(JSON.parse(JSON.stringify(leanState(evolveCommitment(stored, e)))));
      expect(columns(stored)).toEqual(columns(full));
    };
    for (const command of HISTORY) decide(command, full).forEach(evolveBoth);
    // Corrections of the reduction (sign -1) and of the corrected payment, once the history is long.
    const reduction = applied.findIndex((e) => e.type === 'ledger.CommitmentReduced');
    decide({ type: 'correct', revision: reduction, amountCents: 6_000_00, date: '2023-05-01', reason: 'erreur' }, full).forEach(evolveBoth);
    decide({ type: 'correct', revision: 5, amountCents: 31_000_00, date: '2023-05-02', reason: 'erreur' }, full).forEach(evolveBoth);
    decide({ type: 'lapse', date: '2023-06-01', reason: 'caducité' }, full).forEach(evolveBoth);

    expect(applied.map((e) => e.type)).toEqual(
      expect.arrayContaining(['ledger.CommitmentWarningRaised', 'ledger.CommitmentFactCorrected', 'ledger.CommitmentReduced']),
    );
    if (full.status === 'none') throw new Error('no commitment');
    // The corrections moved the ledgers they target: paid by -10,000 € then +1,000 €, committed by -1,000 €.
    expect(full.ledgers.paid).toBe(31_000_00 + 20_000_00);
    expect(full.ledgers.committed).toBe(100_000_00 + 10_000_00 - 6_000_00);
    expect(full.status).toBe('lapsed');
    // The history ran on two lines over two years: its buckets add up to its ledgers.
    expect(full.buckets.map((b) => [b.fundingLine, b.fiscalYear])).toEqual([
      ['etat-p135', 2022],
      ['etat-p135', 2023],
      ['etat-fnadt', 2023],
    ]);
    for (const l of Object.keys(full.ledgers) as (keyof typeof full.ledgers)[])
      expect(full.buckets.reduce((sum, b) => sum + b.ledgers[l], 0)).toBe(full.ledgers[l]);
  });

  it('keeps of each fact its ledger, sign and bucket only, and loads states stored whole as they are', () => {
    let state: CommitmentState = initialCommitmentState;
    for (const command of HISTORY.slice(0, 8)) for (const e of decide(command, state)) state = evolveCommitment(state, e);
    const lean = JSON.parse(JSON.stringify(leanState(state))) as { facts: unknown[] };
    expect(lean.facts).toEqual([
      ['announced', 1, 'etat-p135', 2022],
      ['programmed', 1, 'etat-p135', 2022],
      ['committed', 1, 'etat-p135', 2022],
      ['certified', 1, 'etat-p135', 2022],
      ['ordered', 1, 'etat-p135', 2022],
      ['paid', 1, 'etat-p135', 2022],
      [null, null],
      ['committed', 1, 'etat-p135', 2022],
      ['committed', -1, 'etat-p135', 2022],
    ]);
    expect(JSON.stringify(lean).length).toBeLessThan(JSON.stringify(state).length / 2);
    expect(fullState(JSON.parse(JSON.stringify(state)))).toEqual(state);
  });
});

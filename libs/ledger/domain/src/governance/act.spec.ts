import { deciderSpec } from '@erbm/shared/testing';
import { type Act, type ActCommand, type ActEvent, actDecider, actRefOf, foldAct } from './act';
import { commitmentDecider } from '../commitment/commitment.decide';
import type { CommitmentEvent } from '../commitment/commitment.events';
import { foldCommitment } from '../commitment/commitment.state';

const TODAY = '2026-12-01';
const { given } = deciderSpec(actDecider);

const act: Act = {
  actId: 'a1',
  kind: 'deliberation-commission-permanente',
  issuer: 'region_hdf',
  reference: 'CP-2023-0412',
  date: '2023-03-13',
  document: 'https://example.org/cp-2023-0412.pdf',
  subject: 'Rénovation de la cité 12/14',
  amounts: [{ financer: 'region_hdf', fundingLine: 'region-erbm', amountCents: 100_000_00 }],
};
const recorded: ActEvent = { type: 'governance.ActRecorded', data: act };
const programme = (overrides: Partial<Extract<ActCommand, { type: 'programme' }>> = {}): ActCommand => ({
  type: 'programme',
  commitmentId: 'c1',
  domain: 'habitat',
  financer: 'region_hdf',
  fundingLine: 'region-erbm',
  amountCents: 60_000_00,
  date: '2023-03-20',
  today: TODAY,
  ...overrides,
});
const programmed = (overrides: Partial<Extract<ActCommand, { type: 'programme' }>> = {}): ActEvent => {
  const { type: _t, today: _today, ...data } = programme(overrides) as Extract<ActCommand, { type: 'programme' }>;
  return { type: 'governance.ActProgrammingRecorded', data };
};

describe('act: none', () => {
  it('is recorded with its kind, issuer, reference, date, document and amounts', () => {
    given([])
      .when({ type: 'record', ...act, today: TODAY })
      .then([recorded]);
    const state = foldAct([recorded]);
    expect(state).toMatchObject({ status: 'recorded', issuer: 'region_hdf', reference: 'CP-2023-0412', programmings: [], revision: 0 });
  });
  it('refuses an act dated after today, a kind it does not know, an amount that is not in cents', () => {
    given([])
      .when({ type: 'record', ...act, date: '2026-12-02', today: TODAY })
      .thenRefuses('date-after-today', 'date', { today: TODAY });
    given([])
      .when({ type: 'record', ...act, kind: 'decret' as Act['kind'], today: TODAY })
      .thenRefuses('unknown-act-kind', 'kind');
    given([])
      .when({ type: 'record', ...act, amounts: [{ financer: 'etat', amountCents: 1.5 }], today: TODAY })
      .thenRefuses('invalid-amount', 'amounts[0].amountCents');
  });
  it('programmes nothing before it is recorded, and is recorded once', () => {
    given([]).when(programme()).thenRefuses('act-not-recorded');
    given([recorded])
      .when({ type: 'record', ...act, today: TODAY })
      .thenRefuses('act-exists');
  });
});

describe('act: recorded, commitments programmed under it', () => {
  it('counts programmings per commitment, within its amounts for their financer and funding line', () => {
    given([recorded]).when(programme()).then([programmed()]);
    const state = foldAct([recorded, programmed(), programmed({ commitmentId: 'c2', amountCents: 40_000_00 })]);
    expect(state.status === 'recorded' && state.programmings.map((p) => [p.commitmentId, p.amountCents])).toEqual([
      ['c1', 60_000_00],
      ['c2', 40_000_00],
    ]);
  });

  it("refuses beyond the act's amounts, with what is left, and names the act", () => {
    given([recorded, programmed()])
      .when(programme({ commitmentId: 'c2', amountCents: 40_000_01 }))
      .thenRefuses('programme-exceeds-act', 'amountCents', { remainingCents: 40_000_00, approvedCents: 100_000_00, programmedCents: 60_000_00 });
    let message = '';
    try {
      actDecider.decide(programme({ commitmentId: 'c2', amountCents: 50_000_00 }), foldAct([recorded, programmed()]));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe(
      "Programmer 50\u202f000,00\u00a0€ dépasserait ce que l'acte « Délibération de la commission permanente n° CP-2023-0412 du 13/03/2023 » a approuvé pour region_hdf sur la ligne region-erbm : " +
        '100\u202f000,00\u00a0€ approuvés, 60\u202f000,00\u00a0€ déjà programmés, reste 40\u202f000,00\u00a0€',
    );
  });

  it("programmes only the act's own financers and funding lines", () => {
    given([recorded])
      .when(programme({ financer: 'etat', fundingLine: 'etat-p135', amountCents: 1 }))
      .thenRefuses('act-not-for-funding-line', 'act');
  });

  it('gets back what a programming released, never more than it counted', () => {
    const release = {
      type: 'releaseProgramming' as const,
      commitmentId: 'c1',
      financer: 'region_hdf',
      fundingLine: 'region-erbm',
      date: '2023-04-01',
      reason: 'correction',
    };
    const { type: _t, ...counted } = release;
    expect(
      given([recorded, programmed()])
        .when({ ...release, amountCents: 90_000_00 })
        .events(),
    ).toEqual([{ type: 'governance.ActProgrammingReleased', data: { ...counted, amountCents: 60_000_00 } }]);
    const released: ActEvent = {
      type: 'governance.ActProgrammingReleased',
      data: { commitmentId: 'c1', financer: 'region_hdf', fundingLine: 'region-erbm', amountCents: 20_000_00, date: '2023-04-01', reason: 'correction' },
    };
    given([recorded, programmed(), released])
      .when(programme({ commitmentId: 'c2', amountCents: 60_000_01 }))
      .thenRefuses('programme-exceeds-act', 'amountCents', { remainingCents: 60_000_00 });
    given([recorded, programmed()])
      .when({ ...release, commitmentId: 'c9', amountCents: 1 })
      .then([]);
  });

  it('is amended, never below what commitments programmed under it', () => {
    const amend = { type: 'amend' as const, date: '2023-06-01', reason: 'arrêté rectificatif', today: TODAY };
    given([recorded, programmed()])
      .when({ ...amend, amounts: [{ financer: 'region_hdf', fundingLine: 'region-erbm', amountCents: 59_999_99 }] })
      .thenRefuses('act-amended-below-programmed', 'amounts', { programmedCents: 60_000_00 });
    const amended = given([recorded, programmed()])
      .when({ ...amend, amounts: [{ financer: 'region_hdf', fundingLine: 'region-erbm', amountCents: 70_000_00 }] })
      .events();
    const state = foldAct([recorded, programmed(), ...amended]);
    expect(state).toMatchObject({ amendedOn: '2023-06-01', amounts: [{ amountCents: 70_000_00 }] });
    given([recorded, programmed(), ...amended])
      .when(programme({ commitmentId: 'c2', amountCents: 10_000_01 }))
      .thenRefuses('programme-exceeds-act', 'amountCents', { remainingCents: 10_000_00 });
    given([recorded])
      .when({ ...amend, date: '2023-01-01' })
      .thenRefuses('amendment-before-act', 'date');
  });
});

describe('commitment programmed by an act', () => {
  const announced: CommitmentEvent = {
    type: 'ledger.CommitmentAnnounced',
    data: {
      commitmentId: 'c1',
      operationId: 'op1',
      domain: 'habitat',
      financer: 'region_hdf',
      fundingLine: 'region-erbm',
      fiscalYear: 2023,
      amountCents: 100_000_00,
      date: '2023-02-01',
    },
  };
  const ref = actRefOf(act);
  const c = deciderSpec(commitmentDecider);

  it('records the act, not a decision, and keeps it in the state beside the decisions', () => {
    const events = c.given([announced]).when({ type: 'programme', amountCents: 60_000_00, date: '2023-03-20', act: ref, today: TODAY }).events();
    expect(events).toEqual([{ type: 'ledger.CommitmentProgrammed', data: { amountCents: 60_000_00, date: '2023-03-20', act: ref } }]);
    const state = foldCommitment([announced, ...events]);
    expect(state).toMatchObject({ status: 'programmed', acts: [ref], decisions: [], ledgers: { programmed: 60_000_00 } });
  });

  it('cites exactly one of a decision and an act', () => {
    const decision = { meetingId: 'm1', decisionId: 'd1', date: '2023-01-16' };
    c.given([announced]).when({ type: 'programme', amountCents: 1, date: '2023-03-20', today: TODAY }).thenRefuses('programming-source', 'decision');
    c.given([announced])
      .when({ type: 'programme', amountCents: 1, date: '2023-03-20', decision, act: ref, today: TODAY })
      .thenRefuses('programming-source', 'decision');
  });

  it('commits above what was programmed when an act grants it, on its own financer and line only', () => {
    const commit = (amounts: Act['amounts']) =>
      ({
        type: 'commit',
        amountCents: 80_000_00,
        date: '2023-04-01',
        legalAct: { kind: 'convention', reference: 'CONV-1', date: '2023-04-01' },
        act: { ...ref, amounts },
        today: TODAY,
      }) as const;
    const made = c.given([announced]).when(commit(act.amounts)).events();
    expect(made[0]).toMatchObject({ type: 'ledger.CommitmentMade', data: { act: ref } });
    expect(foldCommitment([announced, ...made])).toMatchObject({ acts: [ref], ledgers: { committed: 80_000_00 } });
    c.given([announced])
      .when(commit([{ financer: 'etat', amountCents: 80_000_00 }]))
      .thenRefuses('act-not-for-funding-line', 'act');
  });

  it('reads an old commitment, programmed by a decision before acts existed, with no acts', () => {
    const old: CommitmentEvent = {
      type: 'ledger.CommitmentProgrammed',
      data: { amountCents: 1_00, date: '2023-01-20', decision: { meetingId: 'm1', decisionId: 'd1', date: '2023-01-16' } },
    };
    expect(foldCommitment([announced, old])).toMatchObject({ acts: [], decisions: [{ meetingId: 'm1', decisionId: 'd1' }] });
  });

  it('warns of a payment dated before the act that programmed the commitment, as before a decision', () => {
    const programmed: CommitmentEvent = { type: 'ledger.CommitmentProgrammed', data: { amountCents: 100_000_00, date: '2023-03-20', act: ref } };
    const committed: CommitmentEvent = {
      type: 'ledger.CommitmentMade',
      data: { amountCents: 100_000_00, date: '2023-03-25', legalAct: { kind: 'convention', reference: 'CONV-1', date: '2023-03-25' } },
    };
    const events = c
      .given([announced, programmed, committed])
      .when({ type: 'pay', amountCents: 1_00, date: '2023-03-01', kind: 'advance', reference: 'DP-1', today: TODAY })
      .events();
    expect(events.filter((e) => e.type === 'ledger.CommitmentWarningRaised').map((e) => (e.data as { code: string }).code)).toContain(
      'payment-before-decision',
    );
  });
});

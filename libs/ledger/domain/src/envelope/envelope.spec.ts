import { datedDeciderSpec } from '@erbm/shared/testing';
import { type EnvelopeAct, type EnvelopeEvent, envelopeDecider, foldEnvelope } from './envelope';
import { decideFundingLineEnvelopes, foldFundingLineEnvelopes } from './funding-line-envelopes';

const TODAY = '2026-12-01';
const act: EnvelopeAct = {
  kind: 'convention',
  reference: 'Engagement pour le renouveau du bassin minier, 7 mars 2017',
  date: '2017-03-07',
  document: 'erbm-2017.pdf',
};
const opened: EnvelopeEvent = {
  type: 'ledger.EnvelopeOpened',
  data: { envelopeId: 'e1', fundingLine: 'etat-p135', kind: 'fund', fromYear: 2017, toYear: 2027, amountCents: 100_000_000_00, label: 'Fonds P135', act },
};
const open = { type: 'open' as const, ...opened.data };
const topUp: EnvelopeAct = { kind: 'notification', reference: 'Abondement 2023', date: '2023-06-01' };

const { given } = datedDeciderSpec(envelopeDecider, TODAY);

describe('envelope: none', () => {
  it('opens a fund over a range of years with its source act', () => {
    given([]).when(open).then([opened]);
  });

  it('refuses years out of order, absurd or too long a span, and a BOP allocation over more than one year', () => {
    given([])
      .when({ ...open, fromYear: 2027, toYear: 2017 })
      .thenRefuses('envelope-years-invalid', 'fromYear');
    given([])
      .when({ ...open, fromYear: 1917 })
      .thenRefuses('envelope-years-invalid', 'fromYear');
    given([])
      .when({ ...open, fromYear: 2000, toYear: 2030 })
      .thenRefuses('envelope-years-invalid', 'fromYear');
    given([])
      .when({ ...open, kind: 'allocation', fromYear: 2023, toYear: 2024 })
      .thenRefuses('allocation-not-one-year', 'toYear');
    given([])
      .when({ ...open, kind: 'allocation', fromYear: 2023, toYear: 2023 })
      .events();
  });

  it('refuses a zero amount, an act dated after today, and an amendment before the opening', () => {
    given([])
      .when({ ...open, amountCents: 0 })
      .thenRefuses('invalid-amount', 'amountCents');
    given([])
      .when({ ...open, act: { ...act, date: '2026-12-02' } })
      .thenRefuses('date-after-today', 'act.date');
    given([]).when({ type: 'amend', changeCents: 1_00, reason: 'abondement', act: topUp }).thenRefuses('envelope-not-opened');
  });
});

describe('envelope: open', () => {
  it('is opened once', () => {
    given([opened]).when(open).thenRefuses('envelope-exists');
  });

  it('is amended up and down by acts that say why, and keeps each amendment', () => {
    const up = given([opened]).when({ type: 'amend', changeCents: 17_000_000_00, reason: 'abondement', act: topUp }).events();
    expect(up).toEqual([
      { type: 'ledger.EnvelopeAmended', data: { changeCents: 17_000_000_00, amountCents: 117_000_000_00, reason: 'abondement', act: topUp } },
    ]);
    const down = given([opened, ...up])
      .when({ type: 'amend', changeCents: -117_000_000_00, reason: 'annulation', act: topUp })
      .events();
    expect(down[0]).toMatchObject({ data: { amountCents: 0 } });
    const state = foldEnvelope([opened, ...up, ...down]);
    expect(state).toMatchObject({ status: 'open', amountCents: 0, initialAmountCents: 100_000_000_00, revision: 2 });
    if (state.status === 'open') expect(state.amendments.map((a) => a.changeCents)).toEqual([17_000_000_00, -117_000_000_00]);
  });

  it('is never amended below zero, nor without a reason, nor by nothing', () => {
    given([opened])
      .when({ type: 'amend', changeCents: -100_000_000_01, reason: 'erreur', act: topUp })
      .thenRefuses('envelope-amendment-below-zero', 'amountCents', {
        envelopeCents: 100_000_000_00,
      });
    given([opened]).when({ type: 'amend', changeCents: 1_00, reason: '  ', act: topUp }).thenRefuses('reason-required', 'reason');
    given([opened]).when({ type: 'amend', changeCents: 0, reason: 'rien', act: topUp }).thenRefuses('invalid-amount', 'amountCents');
    given([opened]).when({ type: 'amend', changeCents: 1.5, reason: 'rien', act: topUp }).thenRefuses('invalid-amount', 'amountCents');
  });
});

describe("a funding line's envelopes", () => {
  const listed = foldFundingLineEnvelopes([
    { type: 'ledger.EnvelopeListed', data: { envelopeId: 'e1', fundingLine: 'etat-p135', fromYear: 2017, toYear: 2027 } },
  ]);
  const list = (envelopeId: string, fromYear: number, toYear: number) =>
    decideFundingLineEnvelopes({ type: 'list', fundingLine: 'etat-p135', envelopeId, fromYear, toYear }, listed);

  it('takes an envelope on years no other envelope of the line covers', () => {
    expect(list('e2', 2028, 2028)).toEqual([
      { type: 'ledger.EnvelopeListed', data: { envelopeId: 'e2', fundingLine: 'etat-p135', fromYear: 2028, toYear: 2028 } },
    ]);
    expect(list('e2', 2010, 2016)).toHaveLength(1);
  });

  it('refuses one that shares a year with another, at either end or inside', () => {
    for (const [from, to] of [
      [2027, 2028],
      [2016, 2017],
      [2020, 2020],
      [2010, 2030],
    ])
      expect(() => list('e2', from, to)).toThrow(
        expect.objectContaining({ rule: 'envelopes-overlap', field: 'fromYear', details: expect.objectContaining({ envelopeId: 'e1' }) }),
      );
  });

  it('lists the same envelope once: a retry of its opening adds nothing', () => {
    expect(list('e1', 2017, 2027)).toEqual([]);
  });
});

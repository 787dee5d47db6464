import { deciderSpec } from '@erbm/shared/testing';
import { type AgreementEvent, type AgreementPeriod, agreementDecider, agreementInForce, foldAgreement, signatoriesAt, versionAt } from './agreement';
import { type ActionCommitmentEvent, actionCommitmentDecider, foldActionCommitment, isLate } from './action-commitment';
import { type PublishedFigure, publishedFiguresDecider } from './published-figures';

const TODAY = '2026-12-01';

const signed: AgreementEvent = {
  type: 'programme.AgreementSigned',
  data: { agreementId: 'erbm-2017', title: 'ERBM', signedOn: '2017-03-07', periodFrom: '2017-03-07', periodTo: '2027-12-31', scope: 'bassin minier' },
};
const joined = (party: string, date = '2017-03-07'): AgreementEvent => ({ type: 'programme.SignatoryJoined', data: { party, date } });

describe('agreement: none', () => {
  const agreement = deciderSpec(agreementDecider);
  const sign = { type: 'sign' as const, ...signed.data, signatories: ['etat', 'region_hdf'], today: TODAY };
  it('is signed with its signatories, who join on the day it is signed', () => {
    agreement
      .given([])
      .when(sign)
      .then([signed, joined('etat'), joined('region_hdf')]);
  });
  it('refuses a period that ends before it starts, no signatory, a party named twice, a signature after today', () => {
    agreement
      .given([])
      .when({ ...sign, periodTo: '2016-12-31' })
      .thenRefuses('agreement-period-invalid', 'periodTo');
    agreement
      .given([])
      .when({ ...sign, signatories: [] })
      .thenRefuses('agreement-without-signatory', 'signatories');
    agreement
      .given([])
      .when({ ...sign, signatories: ['etat', 'etat'] })
      .thenRefuses('already-a-signatory', 'signatories');
    agreement
      .given([])
      .when({ ...sign, signedOn: '2026-12-02' })
      .thenRefuses('date-after-today', 'signedOn');
  });
  it('a successor names a known agreement and takes over after its start', () => {
    const successor = { ...sign, agreementId: 'erbm-2025', signedOn: '2025-06-01', periodFrom: '2025-07-01', periodTo: '2035-12-31', succeeds: 'erbm-2017' };
    const predecessor = { agreementId: 'erbm-2017', periodFrom: '2017-03-07', periodTo: '2027-12-31' };
    agreement.given([]).when(successor).thenRefuses('unknown-agreement', 'succeeds');
    agreement
      .given([])
      .when({ ...successor, predecessor, inForceFrom: '2017-03-07', periodFrom: '2017-01-01' })
      .thenRefuses('successor-before-predecessor', 'inForceFrom');
    const { type: _t, today: _d, signatories: _s, ...data } = successor;
    agreement
      .given([])
      .when({ ...successor, predecessor })
      .then([
        { type: 'programme.AgreementSigned', data: { ...data, inForceFrom: '2025-07-01' } },
        joined('etat', '2025-06-01'),
        joined('region_hdf', '2025-06-01'),
      ]);
  });
});

describe('agreement: signed', () => {
  const agreement = deciderSpec(agreementDecider);
  const history = [signed, joined('etat'), joined('cd59')];
  const amend = {
    type: 'amend' as const,
    amendmentId: 'a1',
    reference: 'Avenant n° 1',
    signedOn: '2020-02-01',
    effectiveFrom: '2020-03-01',
    subject: 'Entrée de la Banque des Territoires, sortie du Département du Nord',
    joining: ['banque_des_territoires'],
    leaving: [{ party: 'cd59', reason: 'Retrait délibéré' }],
    today: TODAY,
  };
  it('an amendment records who joins and who leaves on the day it takes effect', () => {
    const { type: _t, today: _d, joining: _j, leaving: _l, ...data } = amend;
    const events: AgreementEvent[] = [
      { type: 'programme.AgreementAmended', data },
      joined('banque_des_territoires', '2020-03-01'),
      { type: 'programme.SignatoryLeft', data: { party: 'cd59', date: '2020-03-01', reason: 'Retrait délibéré' } },
    ];
    agreement.given(history).when(amend).then(events);
    const state = foldAgreement([...history, ...events]);
    if (state.status !== 'signed') throw new Error('signed');
    expect(signatoriesAt(state, '2020-02-29')).toEqual(['etat', 'cd59']);
    expect(signatoriesAt(state, '2020-03-01')).toEqual(['etat', 'banque_des_territoires']);
    agreement
      .given([...history, ...events])
      .when({ ...amend, amendmentId: 'a2' })
      .thenRefuses('amendment-exists', 'reference');
  });
  it('refuses a party who already signs, one who does not, an amendment before the signature', () => {
    agreement
      .given(history)
      .when({ ...amend, joining: ['etat'], leaving: [] })
      .thenRefuses('already-a-signatory', 'joining[0]');
    agreement
      .given(history)
      .when({ ...amend, joining: [], leaving: [{ party: 'cd62', reason: 'r' }] })
      .thenRefuses('not-a-signatory', 'leaving[0].party');
    agreement
      .given(history)
      .when({ ...amend, effectiveFrom: '2017-01-01' })
      .thenRefuses('amendment-before-agreement', 'effectiveFrom');
    agreement.given([]).when(amend).thenRefuses('agreement-not-signed');
  });
  it('an amendment may extend the period', () => {
    const state = foldAgreement([...history, { type: 'programme.AgreementAmended', data: { ...amend, periodTo: '2030-12-31' } }]);
    expect(state.status === 'signed' && state.periodTo).toBe('2030-12-31');
  });
});

describe('the agreement in force on a day', () => {
  const erbm: AgreementPeriod = { agreementId: 'erbm-2017', periodFrom: '2017-03-07', periodTo: '2027-12-31', amendments: [{ effectiveFrom: '2019-01-01' }] };
  const successor: AgreementPeriod = { agreementId: 'erbm-2025', periodFrom: '2025-07-01', periodTo: '2035-12-31', succeeds: 'erbm-2017', amendments: [] };
  it('is the version of the contract in force then: 1 before the first amendment, 2 after', () => {
    expect(agreementInForce([erbm], '2018-06-15')).toEqual({ id: 'erbm-2017', version: 1 });
    expect(agreementInForce([erbm], '2019-01-01')).toEqual({ id: 'erbm-2017', version: 2 });
    expect(versionAt([{ effectiveFrom: '2019-01-01' }, { effectiveFrom: '2018-01-01' }], '2018-06-01')).toBe(2);
  });
  it('is the successor once it has taken over, and nothing outside every period', () => {
    expect(agreementInForce([erbm, successor], '2025-06-30')).toEqual({ id: 'erbm-2017', version: 2 });
    expect(agreementInForce([erbm, successor], '2025-07-01')).toEqual({ id: 'erbm-2025', version: 1 });
    expect(agreementInForce([erbm, successor], '2016-12-31')).toBeNull();
    expect(agreementInForce([erbm], '2028-01-01')).toBeNull();
  });
  it('counts an extension of the period from the day it takes effect', () => {
    const extended = { ...erbm, amendments: [{ effectiveFrom: '2026-01-01', periodTo: '2030-12-31' }] };
    expect(agreementInForce([extended], '2029-05-01')).toEqual({ id: 'erbm-2017', version: 2 });
  });
});

describe('action commitment', () => {
  const spec = deciderSpec(actionCommitmentDecider);
  const data = {
    actionCommitmentId: 'ac1',
    domain: 'emploi',
    party: 'region_hdf',
    what: 'Ouvrir un service public de l’emploi local à Lens',
    dueDate: '2024-06-30',
    promisedOn: '2023-01-16',
  };
  const promised: ActionCommitmentEvent = { type: 'programme.ActionCommitmentPromised', data };
  it('is promised by a party for a due date, not due before it is promised', () => {
    spec
      .given([])
      .when({ type: 'promise', ...data, today: TODAY })
      .then([promised]);
    spec
      .given([])
      .when({ type: 'promise', ...data, dueDate: '2022-12-31', today: TODAY })
      .thenRefuses('due-date-before-promise', 'dueDate');
    spec
      .given([promised])
      .when({ type: 'promise', ...data, today: TODAY })
      .thenRefuses('action-commitment-exists', 'actionCommitmentId');
  });
  it('progresses, then is done with its evidence, and then changes no more', () => {
    const progressed: ActionCommitmentEvent = { type: 'programme.ActionCommitmentProgressed', data: { date: '2023-06-01', note: 'Locaux trouvés' } };
    spec.given([promised]).when({ type: 'progress', date: '2023-06-01', note: 'Locaux trouvés', today: TODAY }).then([progressed]);
    const evidence = { kind: 'convention', reference: 'Convention SPEL 2024-01' };
    const done: ActionCommitmentEvent = { type: 'programme.ActionCommitmentCompleted', data: { date: '2024-05-02', evidence } };
    spec.given([promised, progressed]).when({ type: 'complete', date: '2024-05-02', evidence, today: TODAY }).then([done]);
    spec.given([promised, progressed, done]).when({ type: 'abandon', date: '2024-06-01', reason: 'x', today: TODAY }).thenRefuses('action-commitment-closed');
    spec.given([promised]).when({ type: 'complete', date: '2022-01-01', evidence, today: TODAY }).thenRefuses('date-before-promise', 'date');
    spec.given([]).when({ type: 'progress', date: '2023-06-01', note: 'n', today: TODAY }).thenRefuses('action-commitment-not-recorded');
  });
  it('is late when open past its due date, never once done or abandoned', () => {
    const state = foldActionCommitment([promised]);
    if (state.status === 'none') throw new Error('promised');
    expect(isLate(state, '2024-06-30')).toBe(false);
    expect(isLate(state, '2024-07-01')).toBe(true);
    const abandoned = foldActionCommitment([
      promised,
      { type: 'programme.ActionCommitmentAbandoned', data: { date: '2024-01-10', reason: 'Projet repris par la commune' } },
    ]);
    if (abandoned.status === 'none') throw new Error('abandoned');
    expect(abandoned.abandonReason).toBe('Projet repris par la commune');
    expect(isLate(abandoned, '2025-01-01')).toBe(false);
  });
});

describe('published figures', () => {
  const spec = deciderSpec(publishedFiguresDecider);
  const cost: PublishedFigure = {
    figureId: 'f1',
    subject: 'coût du programme',
    amountCents: 3_000_000_000_00,
    unit: 'EUR',
    scope: 'Tous financeurs, 2017–2027',
    asOf: '2017-03-07',
    publisher: 'Préfecture de région',
    source: { title: 'Dossier de presse' },
  };
  it('records each figure as published, side by side with another of the same subject', () => {
    const first = { type: 'programme.FigurePublished' as const, data: cost };
    spec
      .given([])
      .when({ type: 'recordFigure', ...cost, today: TODAY })
      .then([first]);
    const other = { ...cost, figureId: 'f2', amountCents: 2_000_000_000_00, scope: 'État seul' };
    spec
      .given([first])
      .when({ type: 'recordFigure', ...other, today: TODAY })
      .then([{ type: 'programme.FigurePublished', data: other }]);
    spec
      .given([first])
      .when({ type: 'recordFigure', ...cost, today: TODAY })
      .thenRefuses('figure-exists', 'figureId');
  });
  it('is a sum or a quantity, exactly one', () => {
    spec
      .given([])
      .when({ type: 'recordFigure', ...cost, quantity: 3, today: TODAY })
      .thenRefuses('figure-value-required', 'quantity');
    const { amountCents: _a, ...bare } = cost;
    spec
      .given([])
      .when({ type: 'recordFigure', ...bare, today: TODAY })
      .thenRefuses('figure-value-required', 'quantity');
    spec
      .given([])
      .when({ type: 'recordFigure', ...cost, asOf: '2027-01-01', today: TODAY })
      .thenRefuses('date-after-today', 'asOf');
  });
});

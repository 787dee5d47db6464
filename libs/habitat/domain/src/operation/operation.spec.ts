import { RuleViolation, type WithoutToday } from '@erbm/shared/kernel';
import { datedDeciderSpec } from '@erbm/shared/testing';
import { type OperationCommand, foldOperation, type OperationEvent, operationDecider } from './operation';

const TODAY = '2026-12-01';
const { given } = datedDeciderSpec(operationDecider, TODAY);

const registered: OperationEvent = {
  type: 'habitat.OperationRegistered',
  data: {
    operationId: 'op1',
    name: 'Cité 12/14',
    cite: 'Cité 12/14',
    communeInsee: '62498',
    arrondissement: '627',
    landlord: 'maisons_et_cites',
    dwellingsPlanned: 100,
    energyLabelBefore: 'F',
    energyLabelTarget: 'C',
    eligibleCostCents: 5_000_000_00,
    date: '2019-03-01',
  },
};
const works: OperationEvent = { type: 'habitat.OperationPhaseReached', data: { phase: 'works-started', date: '2020-09-01' } };

describe('operation: none', () => {
  it('is registered with its cité, commune, landlord, dwellings and labels', () => {
    const { date, ...rest } = registered.data;
    given([])
      .when({ type: 'register', date, ...rest })
      .then([registered]);
  });
  it('refuses a target label that is not better, and a count of dwellings out of range', () => {
    const { date, ...rest } = registered.data;
    given([])
      .when({ type: 'register', date, ...rest, energyLabelTarget: 'F' })
      .thenRefuses('target-label-not-better', 'energyLabelTarget');
    given([])
      .when({ type: 'register', date, ...rest, dwellingsPlanned: 0 })
      .thenRefuses('invalid-dwellings', 'dwellingsPlanned');
    given([]).when({ type: 'recordPhase', phase: 'studies', date: '2020-01-01' }).thenRefuses('operation-not-registered');
  });
});

describe('operation: the quartiers prioritaires it serves', () => {
  it('registers and amends its QPV codes, of either geography at a date when it exists', () => {
    const { date, ...rest } = registered.data;
    given([])
      .when({ type: 'register', date, ...rest, qpv: ['QP062045', 'QP062046'] })
      .then([{ ...registered, data: { ...registered.data, qpv: ['QP062045', 'QP062046'] } }]);
    given([registered])
      .when({ type: 'amend', changes: { qpv: ['QN06201M'] }, reason: 'géographie prioritaire 2024', date: '2024-01-15' })
      .then([{ type: 'habitat.OperationAmended', data: { changes: { qpv: ['QN06201M'] }, reason: 'géographie prioritaire 2024', date: '2024-01-15' } }]);
    expect(
      foldOperation([registered, { type: 'habitat.OperationAmended', data: { changes: { qpv: ['QN06201M'] }, reason: 'r', date: '2024-01-15' } }]),
    ).toMatchObject({
      qpv: ['QN06201M'],
    });
  });
  it('refuses a malformed or repeated code, a 2024 quartier before 2024, and an amendment that repeats the same list', () => {
    const { date, ...rest } = registered.data;
    given([])
      .when({ type: 'register', date, ...rest, qpv: ['QP62045'] })
      .thenRefuses('invalid-qpv-code', 'qpv');
    given([])
      .when({ type: 'register', date, ...rest, qpv: ['QP062045', 'QP062045'] })
      .thenRefuses('invalid-qpv-code', 'qpv');
    given([])
      .when({ type: 'register', date, ...rest, qpv: ['QN06201M'] })
      .thenRefuses('qpv-not-in-force', 'qpv');
    const withQpv: OperationEvent = { ...registered, data: { ...registered.data, qpv: ['QP062045'] } };
    given([withQpv])
      .when({ type: 'amend', changes: { qpv: ['QP062045'] }, reason: 'rien', date: '2020-01-01' })
      .thenRefuses('amendment-changes-nothing', 'changes');
  });
});

describe('operation: planned', () => {
  it('is amended with a reason, and only for what changes', () => {
    given([registered])
      .when({ type: 'amend', changes: { dwellingsPlanned: 120 }, date: '2020-01-01' })
      .thenRefuses('reason-required', 'reason');
    given([registered])
      .when({ type: 'amend', changes: { dwellingsPlanned: 100 }, reason: 'r', date: '2020-01-01' })
      .thenRefuses('amendment-changes-nothing');
    given([registered])
      .when({ type: 'amend', changes: { dwellingsPlanned: 120, name: 'Cité 12/14' }, reason: 'avenant', date: '2020-01-01' })
      .then([{ type: 'habitat.OperationAmended', data: { changes: { dwellingsPlanned: 120 }, reason: 'avenant', date: '2020-01-01' } }]);
  });
  it('refuses deliveries before the works started', () => {
    given([registered]).when({ type: 'recordDelivery', dwellings: 10, date: '2021-01-01' }).thenRefuses('works-not-started');
  });
  it('attaches each commitment to its financing plan once', () => {
    const line = { commitmentId: 'c1', financer: 'etat', fundingLine: 'etat-p135' };
    const attached: OperationEvent = { type: 'habitat.CommitmentAttached', data: { ...line, date: '2020-01-01' } };
    given([registered])
      .when({ type: 'attachCommitment', ...line, date: '2020-01-01' })
      .then([attached]);
    given([registered, attached])
      .when({ type: 'attachCommitment', ...line, date: '2020-01-01' })
      .then([]);
  });
});

describe('operation: works started', () => {
  it('counts deliveries up to the dwellings planned', () => {
    const d1: OperationEvent = { type: 'habitat.DwellingsDelivered', data: { dwellings: 60, date: '2021-06-01' } };
    given([registered, works, d1]).when({ type: 'recordDelivery', dwellings: 41, date: '2021-09-01' }).thenRefuses('delivered-exceeds-planned', 'dwellings');
    given([registered, works]).when({ type: 'recordDelivery', dwellings: 1, date: '2020-08-31' }).thenRefuses('delivery-before-works', 'date');
    given([registered, works, d1]).when({ type: 'recordPhase', phase: 'delivered', date: '2021-09-01' }).thenRefuses('delivery-incomplete');
    given([registered, works, d1])
      .when({ type: 'amend', changes: { dwellingsPlanned: 59 }, reason: 'r', date: '2021-09-01' })
      .thenRefuses('planned-below-delivered');
    const state = foldOperation([registered, works, d1]);
    expect(state).toMatchObject({ status: 'works-started', dwellingsDelivered: 60, revision: 2 });
  });
  it('keeps phases in order', () => {
    given([registered, works]).when({ type: 'recordPhase', phase: 'studies', date: '2019-06-01' }).thenRefuses('phase-out-of-order', 'phase');
    given([registered, works]).when({ type: 'recordPhase', phase: 'works-started', date: '2021-01-01' }).thenRefuses('phase-already-reached');
  });
});

describe('operation: no fact dated after today (Europe/Paris)', () => {
  it('refuses a registration, a phase or a delivery dated after today, and takes one dated today', () => {
    const { date: _date, ...rest } = registered.data;
    given([])
      .when({ type: 'register', ...rest, date: '2199-12-31' })
      .thenRefuses('date-after-today', 'date', { today: TODAY });
    given([registered]).when({ type: 'recordPhase', phase: 'works-started', date: '2026-12-02' }).thenRefuses('date-after-today', 'date');
    given([registered, works]).when({ type: 'recordDelivery', dwellings: 1, date: '2026-12-02' }).thenRefuses('date-after-today', 'date');
    expect(given([registered, works]).when({ type: 'recordDelivery', dwellings: 1, date: TODAY }).events()).toHaveLength(1);
  });
});

describe('operation: refusals in French', () => {
  it('says why in French, with dates as French write them', () => {
    const refusal = (history: OperationEvent[], command: WithoutToday<OperationCommand>) => {
      try {
        operationDecider.decide({ ...command, today: TODAY } as OperationCommand, foldOperation(history));
      } catch (error) {
        if (error instanceof RuleViolation) return error.message;
        throw error;
      }
      throw new Error('not refused');
    };
    expect(refusal([registered, works], { type: 'recordDelivery', dwellings: 1, date: '2020-08-31' })).toBe(
      'Une livraison le 31/08/2020 précède le début des travaux le 01/09/2020',
    );
    expect(refusal([registered, works], { type: 'recordPhase', phase: 'works-started', date: '2021-01-01' })).toBe(
      'La phase « début des travaux » est atteinte depuis le 01/09/2020',
    );
    expect(refusal([registered], { type: 'amend', changes: { dwellingsPlanned: 120 }, date: '2020-01-01' })).toBe('Une modification doit dire pourquoi');
  });
});

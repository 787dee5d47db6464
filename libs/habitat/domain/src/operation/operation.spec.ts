import { RuleViolation } from '@erbm/shared/kernel';
import { decideOperation, foldOperation, type OperationCommand, type OperationEvent } from './operation';

const registered: OperationEvent = {
  type: 'habitat.OperationRegistered',
  data: { operationId: 'op1', name: 'Cité 12/14', cite: 'Cité 12/14', communeInsee: '62498', arrondissement: '625', landlord: 'maisons_et_cites', dwellingsPlanned: 100, energyLabelBefore: 'F', energyLabelTarget: 'C', eligibleCostCents: 5_000_000_00, date: '2019-03-01' },
};
const works: OperationEvent = { type: 'habitat.OperationPhaseReached', data: { phase: 'works-started', date: '2020-09-01' } };

function refuses(events: OperationEvent[], command: OperationCommand, rule: string, field?: string) {
  try {
    decideOperation(command, foldOperation(events));
  } catch (e) {
    expect(e).toBeInstanceOf(RuleViolation);
    expect((e as RuleViolation).rule).toBe(rule);
    if (field) expect((e as RuleViolation).field).toBe(field);
    return;
  }
  throw new Error(`expected ${rule}`);
}

describe('operation: none', () => {
  it('is registered with its cité, commune, landlord, dwellings and labels', () => {
    const { date, ...rest } = registered.data;
    expect(decideOperation({ type: 'register', date, ...rest }, foldOperation([]))).toEqual([registered]);
  });
  it('refuses a target label that is not better, and a count of dwellings out of range', () => {
    const { date, ...rest } = registered.data;
    refuses([], { type: 'register', date, ...rest, energyLabelTarget: 'F' }, 'target-label-not-better', 'energyLabelTarget');
    refuses([], { type: 'register', date, ...rest, dwellingsPlanned: 0 }, 'invalid-dwellings', 'dwellingsPlanned');
    refuses([], { type: 'recordPhase', phase: 'studies', date: '2020-01-01' }, 'operation-not-registered');
  });
});

describe('operation: planned', () => {
  it('is amended with a reason, and only for what changes', () => {
    refuses([registered], { type: 'amend', changes: { dwellingsPlanned: 120 }, date: '2020-01-01' }, 'reason-required', 'reason');
    refuses([registered], { type: 'amend', changes: { dwellingsPlanned: 100 }, reason: 'r', date: '2020-01-01' }, 'amendment-changes-nothing');
    expect(decideOperation({ type: 'amend', changes: { dwellingsPlanned: 120, name: 'Cité 12/14' }, reason: 'avenant', date: '2020-01-01' }, foldOperation([registered]))).toEqual([
      { type: 'habitat.OperationAmended', data: { changes: { dwellingsPlanned: 120 }, reason: 'avenant', date: '2020-01-01' } },
    ]);
  });
  it('refuses deliveries before the works started', () => {
    refuses([registered], { type: 'recordDelivery', dwellings: 10, date: '2021-01-01' }, 'works-not-started');
  });
  it('attaches each commitment to its financing plan once', () => {
    const line = { commitmentId: 'c1', financer: 'etat', fundingLine: 'etat-p135' };
    const events = decideOperation({ type: 'attachCommitment', ...line, date: '2020-01-01' }, foldOperation([registered]));
    expect(events).toHaveLength(1);
    expect(decideOperation({ type: 'attachCommitment', ...line, date: '2020-01-01' }, foldOperation([registered, ...events]))).toEqual([]);
  });
});

describe('operation: works started', () => {
  it('counts deliveries up to the dwellings planned', () => {
    const d1: OperationEvent = { type: 'habitat.DwellingsDelivered', data: { dwellings: 60, date: '2021-06-01' } };
    refuses([registered, works, d1], { type: 'recordDelivery', dwellings: 41, date: '2021-09-01' }, 'delivered-exceeds-planned', 'dwellings');
    refuses([registered, works], { type: 'recordDelivery', dwellings: 1, date: '2020-08-31' }, 'delivery-before-works', 'date');
    refuses([registered, works, d1], { type: 'recordPhase', phase: 'delivered', date: '2021-09-01' }, 'delivery-incomplete');
    refuses([registered, works, d1], { type: 'amend', changes: { dwellingsPlanned: 59 }, reason: 'r', date: '2021-09-01' }, 'planned-below-delivered');
    const state = foldOperation([registered, works, d1]);
    expect(state).toMatchObject({ status: 'works-started', dwellingsDelivered: 60, revision: 2 });
  });
  it('keeps phases in order', () => {
    refuses([registered, works], { type: 'recordPhase', phase: 'studies', date: '2019-06-01' }, 'phase-out-of-order', 'phase');
    refuses([registered, works], { type: 'recordPhase', phase: 'works-started', date: '2021-01-01' }, 'phase-already-reached');
  });
});

import { deciderSpec } from '@erbm/shared/testing';
import { operationIndicators } from '../indicators';
import { type OperationCommand, type OperationEvent, financingOf, foldOperation, operationDecider } from './operation';

const registration = {
  operationId: 'op1',
  name: 'Opération test',
  communeInsee: '59178',
  arrondissement: '593',
  eligibleCostCents: 1_000_000_00,
  date: '2023-01-10',
};
const registered: OperationEvent = { type: 'politique-de-la-ville.OperationRegistered', data: registration };
const attached: OperationEvent = {
  type: 'politique-de-la-ville.CommitmentAttached',
  data: { commitmentId: 'c1', financer: 'etat', fundingLine: 'etat-p135', date: '2023-02-01' },
};

const spec = deciderSpec(operationDecider);
/** given(past events).when(command).then(new events) or .thenRefuses(rule, field). */
const given = (...history: OperationEvent[]) => spec.given(history);

const register = (overrides: Partial<typeof registration> = {}): OperationCommand => ({ type: 'register', ...registration, ...overrides });

describe('operation: none', () => {
  it('is registered with its name, commune, arrondissement and eligible cost', () => given().when(register()).then([registered]));
  it('refuses a missing name, an eligible cost that is not cents, a date that is not one', () => {
    given()
      .when(register({ name: ' ' }))
      .thenRefuses('missing-field', 'name');
    given()
      .when(register({ eligibleCostCents: 12.5 }))
      .thenRefuses('invalid-amount', 'eligibleCostCents');
    given()
      .when(register({ date: '2023-02-30' }))
      .thenRefuses('invalid-date', 'date');
  });
  it('is neither amended nor financed before it is registered', () => {
    given()
      .when({ type: 'amend', changes: { name: 'x' }, reason: 'r', date: '2023-02-01' })
      .thenRefuses('operation-not-registered');
    given()
      .when({ type: 'attachCommitment', commitmentId: 'c1', financer: 'etat', fundingLine: 'etat-p135', date: '2023-02-01' })
      .thenRefuses('operation-not-registered');
  });
});

describe('operation: registered', () => {
  it('is not registered twice', () => given(registered).when(register()).thenRefuses('operation-exists'));
  it('is amended with a reason, and only for what changes', () => {
    given(registered)
      .when({ type: 'amend', changes: { name: 'Opération test', eligibleCostCents: 2_000_000_00 }, reason: ' avenant n° 1 ', date: '2023-03-01' })
      .then([
        { type: 'politique-de-la-ville.OperationAmended', data: { changes: { eligibleCostCents: 2_000_000_00 }, reason: 'avenant n° 1', date: '2023-03-01' } },
      ]);
  });
  it('refuses an amendment without a reason, one that changes nothing, one that empties a detail', () => {
    given(registered)
      .when({ type: 'amend', changes: { name: 'Autre nom' }, date: '2023-03-01' })
      .thenRefuses('reason-required', 'reason');
    given(registered)
      .when({ type: 'amend', changes: { name: 'Opération test' }, reason: 'r', date: '2023-03-01' })
      .thenRefuses('amendment-changes-nothing', 'changes');
    given(registered)
      .when({ type: 'amend', changes: { communeInsee: '' }, reason: 'r', date: '2023-03-01' })
      .thenRefuses('missing-field', 'communeInsee');
  });
  it('adds a commitment to its financing plan once', () => {
    const line = { commitmentId: 'c1', financer: 'etat', fundingLine: 'etat-p135' };
    given(registered)
      .when({ type: 'attachCommitment', ...line, date: '2023-02-01' })
      .then([attached]);
    given(registered, attached)
      .when({ type: 'attachCommitment', ...line, date: '2023-02-05' })
      .then([]);
  });
  it('gives the ledger its eligible cost and its commitments, as amended', () => {
    const amended: OperationEvent = {
      type: 'politique-de-la-ville.OperationAmended',
      data: { changes: { eligibleCostCents: 3_000_000_00 }, reason: 'r', date: '2023-03-01' },
    };
    expect(financingOf(foldOperation([registered, attached, amended]))).toEqual({ eligibleCostCents: 3_000_000_00, commitmentIds: ['c1'] });
    expect(financingOf(foldOperation([]))).toBeUndefined();
  });
  it('counts in the indicators', () => {
    expect(operationIndicators(foldOperation([]))).toEqual({ 'operations-registered': 0 });
    expect(operationIndicators(foldOperation([registered]))).toEqual({ 'operations-registered': 1 });
  });
});

import { formatEuros } from '@erbm/shared/kernel';
import { deciderSpec } from '@erbm/shared/testing';
import { type OperationCommand, type OperationEvent, financingOf, foldOperation, operationDecider } from './operation';

const registration = {
  operationId: 'op1',
  kind: 'action' as const,
  dispositif: 'actions-contrats-de-ville',
  name: 'Opération test',
  departement: '59',
  communeInsee: '59178',
  arrondissement: '593',
  eligibleCostCents: 1_000_000_00,
  date: '2023-01-10',
};
const post = {
  operationId: 'p1',
  kind: 'poste-adulte-relais' as const,
  dispositif: 'adultes-relais',
  name: 'Poste adulte-relais 06212R0008',
  departement: '62',
  contratDeVille: 'CV222',
  postId: '06212R0008',
  date: '2020-01-01',
};
const postRegistered: OperationEvent = { type: 'politique-de-la-ville.OperationRegistered', data: post };
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
      .when({ type: 'amend', changes: { name: '' }, reason: 'r', date: '2023-03-01' })
      .thenRefuses('missing-field', 'name');
    given(registered)
      .when({ type: 'amend', changes: { kind: 'poste-fonjep' }, reason: 'r', date: '2023-03-01' })
      .thenRefuses('kind-fixed', 'kind');
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
});

describe('operation: the referential of dispositifs and the kinds', () => {
  it('refuses a dispositif unknown, not yet in force, or of another kind', () => {
    given()
      .when(register({ dispositif: 'pret-a-taux-zero' }))
      .thenRefuses('unknown-dispositif', 'dispositif');
    given()
      .when(register({ dispositif: 'cordees-de-la-reussite', date: '2019-06-01' }))
      .thenRefuses('unknown-dispositif', 'dispositif');
    given()
      .when(register({ dispositif: 'adultes-relais' }))
      .thenRefuses('dispositif-of-another-kind', 'dispositif');
  });
  it('refuses a post without its id, an action with one, a département outside the région, a bad quotité or QPV code', () => {
    given()
      .when({ type: 'register', ...post, postId: undefined })
      .thenRefuses('missing-field', 'postId');
    given()
      .when(register({ postId: 'D01622' } as never))
      .thenRefuses('not-a-post', 'postId');
    given()
      .when(register({ departement: '75' }))
      .thenRefuses('invalid-departement', 'departement');
    given()
      .when({ type: 'register', ...post, quotite: 1.5 })
      .thenRefuses('invalid-quotite', 'quotite');
    given()
      .when(register({ qpv: ['QPV-1'] } as never))
      .thenRefuses('invalid-qpv', 'qpv');
  });
});

describe('operation: a post', () => {
  const convention = { type: 'recordConvention' as const, conventionId: '06212R000802', version: '02', actId: 'a1', fromYear: 2020, date: '2020-01-01' };
  it('records each convention once, with its version and act; an action has none', () => {
    given(postRegistered)
      .when(convention)
      .then([
        {
          type: 'politique-de-la-ville.ConventionRecorded',
          data: { conventionId: '06212R000802', version: '02', actId: 'a1', fromYear: 2020, date: '2020-01-01' },
        },
      ]);
    given(postRegistered, { type: 'politique-de-la-ville.ConventionRecorded', data: { ...convention, type: undefined } as never })
      .when(convention)
      .thenRefuses('convention-exists', 'conventionId');
    given(registered).when(convention).thenRefuses('not-a-post', 'conventionId');
  });
  it("warns when a year's funding differs from the year's flat rate, times the quotité", () => {
    const check = (amountCents: number, fiscalYear = 2021) => ({
      type: 'checkFunding' as const,
      commitmentId: 'c1',
      fiscalYear,
      amountCents,
      date: `${fiscalYear}-01-01`,
    });
    given(postRegistered).when(check(2_007_182)).then([]);
    given(postRegistered)
      .when(check(2_000_000))
      .then([
        {
          type: 'politique-de-la-ville.FundingWarningRaised',
          data: {
            code: 'amount-differs-from-flat-rate',
            message: `Le poste est financé ${formatEuros(2_000_000)} en 2021, pas le forfait de l'année (${formatEuros(2_007_182)})`,
            fiscalYear: 2021,
            commitmentId: 'c1',
            amountCents: 2_000_000,
            flatRateCents: 2_007_182,
            date: '2021-01-01',
          },
        },
      ]);
    const half: OperationEvent = { type: 'politique-de-la-ville.OperationRegistered', data: { ...post, quotite: 0.5 } };
    given(half).when(check(1_003_591)).then([]);
    // A year without a known rate is not checked; nor is an action.
    given(postRegistered).when(check(1, 2031)).then([]);
    given(registered).when(check(1)).then([]);
  });
});

import { type Json, type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { habitatService } from './testing/service';
import { HabitatFixtures } from './testing/fixtures';

describe('habitat-api: rules the system enforces are refused with 422 naming the rule, and nothing is written', () => {
  let t: TestApp;
  let f: HabitatFixtures;
  let editor: string;
  beforeAll(async () => {
    t = await startTestApp(habitatService);
    editor = t.token('editor', 'habitat');
    f = new HabitatFixtures(t, editor);
  });
  afterAll(() => t.close());

  async function refused(path: string, body: unknown, rule: string, field?: string) {
    const id = path.split('/')[3];
    const before = await t.store.readStream(`commitment-${id}`);
    const res = await t.request('POST', path, { token: editor, body });
    expect([res.status, res.contentType, res.body.rule]).toEqual([422, expect.stringContaining('application/problem+json'), rule]);
    if (field) expect(res.body.field).toBe(field);
    expect(res.body.detail).toEqual(expect.any(String));
    expect(await t.store.readStream(`commitment-${id}`)).toHaveLength(before.length);
  }

  it('paying or ordering more than is committed', async () => {
    const { commitmentId } = await f.committed({ committedCents: 1_000_00 });
    await refused(
      `/habitat/commitments/${commitmentId}/pay`,
      { amountCents: 1_000_01, kind: 'balance', reference: 'DP', date: '2023-05-01' },
      'payment-exceeds-committed',
      'amountCents',
    );
    await refused(
      `/habitat/commitments/${commitmentId}/order`,
      { amount: '1 000,01', reference: 'DP', date: '2023-05-01' },
      'order-exceeds-committed',
      'amountCents',
    );
  });

  it('committing more than was programmed without a decision, accepted with one', async () => {
    const { commitmentId, decision } = await f.committed({ committedCents: 1_000_00 });
    await refused(
      `/habitat/commitments/${commitmentId}/increase`,
      { amountCents: 1, reason: 'avenant', date: '2023-05-01' },
      'commit-exceeds-programmed',
      'decision',
    );
    const ok = await t.request('POST', `/habitat/commitments/${commitmentId}/increase`, {
      token: editor,
      body: { amountCents: 1, reason: 'avenant', date: '2023-05-01', decision },
    });
    expect([ok.status, ok.body.ledgers.committed]).toEqual([200, 1_000_01]);
  });

  it('a decision that was never taken', async () => {
    const { commitmentId, decision } = await f.committed();
    await refused(
      `/habitat/commitments/${commitmentId}/programme`,
      { amountCents: 1, date: '2023-05-01', decision: { ...decision, decisionId: 'NOPE' } },
      'unknown-decision',
      'decision.decisionId',
    );
  });

  it('acting on a closed commitment', async () => {
    const { commitmentId } = await f.committed({ committedCents: 1_000_00 });
    await f.ok('POST', `/habitat/commitments/${commitmentId}/pay`, { amountCents: 1_000_00, kind: 'balance', reference: 'DP', date: '2023-05-01' });
    await f.ok('POST', `/habitat/commitments/${commitmentId}/close`, { date: '2023-06-01' });
    await refused(
      `/habitat/commitments/${commitmentId}/recover`,
      { amountCents: 1, reference: 'TR', reason: 'trop-perçu', date: '2023-07-01' },
      'commitment-closed',
    );
  });

  it("a funding line that is not the financer's, or closed at the date", async () => {
    const { commitmentId } = await f.committed();
    await refused(
      `/habitat/commitments/${commitmentId}/change-funding-line`,
      { fundingLine: 'region-erbm', date: '2023-12-31', reason: 'r' },
      'funding-line-of-another-financer',
      'fundingLine',
    );
    await refused(
      `/habitat/commitments/${commitmentId}/change-funding-line`,
      { fundingLine: 'etat-p364', date: '2024-02-01', reason: 'r' },
      'funding-line-not-valid-at-date',
      'fundingLine',
    );
  });

  it('operations: a commune outside the referential, a landlord that is not one, more deliveries than planned', async () => {
    const bad = await t.request('POST', '/habitat/operations', {
      token: editor,
      body: {
        name: 'x',
        cite: 'x',
        communeInsee: '75056',
        landlord: 'maisons_et_cites',
        dwellingsPlanned: 5,
        energyLabelBefore: 'F',
        energyLabelTarget: 'C',
        date: '2022-10-01',
      },
    });
    expect([bad.status, bad.body.rule, bad.body.field]).toEqual([422, 'unknown-commune', 'communeInsee']);
    const landlord = await t.request('POST', '/habitat/operations', {
      token: editor,
      body: {
        name: 'x',
        cite: 'x',
        communeInsee: '59178',
        landlord: 'etat',
        dwellingsPlanned: 5,
        energyLabelBefore: 'F',
        energyLabelTarget: 'C',
        date: '2022-10-01',
      },
    });
    expect([landlord.status, landlord.body.rule]).toEqual([422, 'unknown-landlord']);
    const op = await f.operation({ dwellingsPlanned: 10 });
    await f.ok('POST', `/habitat/operations/${op.id}/phases`, { phase: 'works-started', date: '2023-01-01' });
    const over = await t.request('POST', `/habitat/operations/${op.id}/deliveries`, { token: editor, body: { dwellings: 11, date: '2023-06-01' } });
    expect([over.status, over.body.rule, over.body.field]).toEqual([422, 'delivered-exceeds-planned', 'dwellings']);
  });
});

describe('habitat-api: rules real data breaks are recorded as warnings on the commitment', () => {
  let t: TestApp;
  let f: HabitatFixtures;
  beforeAll(async () => {
    t = await startTestApp(habitatService);
    f = new HabitatFixtures(t, t.token('editor', 'habitat'));
  });
  afterAll(() => t.close());

  const codes = (view: Record<string, Json>) => view.warnings.map((w: { rule: string }) => w.rule);

  it('an advance above 30 %, or above 60 % with a guarantee', async () => {
    const a = await f.committed({ committedCents: 100_000_00 });
    const over = await f.ok('POST', `/habitat/commitments/${a.commitmentId}/pay`, {
      amountCents: 30_000_01,
      kind: 'advance',
      reference: 'DP',
      date: '2023-03-01',
    });
    expect(over.ledgers.paid).toBe(30_000_01);
    expect(codes(over)).toEqual(['advance-above-limit']);
    const b = await f.committed({ committedCents: 100_000_00 });
    expect(
      codes(
        await f.ok('POST', `/habitat/commitments/${b.commitmentId}/pay`, {
          amountCents: 60_000_00,
          kind: 'advance',
          guarantee: true,
          reference: 'DP',
          date: '2023-03-01',
        }),
      ),
    ).toEqual([]);
    expect(
      codes(
        await f.ok('POST', `/habitat/commitments/${b.commitmentId}/pay`, {
          amountCents: 1,
          kind: 'advance',
          guarantee: true,
          reference: 'DP2',
          date: '2023-03-02',
        }),
      ),
    ).toEqual(['advance-above-limit']);
  });

  it('interim payments above 80 %', async () => {
    const { commitmentId } = await f.committed({ committedCents: 100_000_00 });
    expect(
      codes(await f.ok('POST', `/habitat/commitments/${commitmentId}/pay`, { amountCents: 80_000_00, kind: 'interim', reference: 'DP1', date: '2023-03-01' })),
    ).toEqual([]);
    const over = await f.ok('POST', `/habitat/commitments/${commitmentId}/pay`, { amountCents: 1_00, kind: 'interim', reference: 'DP2', date: '2023-04-01' });
    expect(over.warnings).toEqual([expect.objectContaining({ rule: 'interim-above-limit', raisedByRevision: 4 })]);
  });

  it('a payment dated before its decision', async () => {
    const { commitmentId } = await f.committed({ decisionDate: '2023-01-16' });
    const view = await f.ok('POST', `/habitat/commitments/${commitmentId}/pay`, { amountCents: 1_00, kind: 'interim', reference: 'DP', date: '2022-12-20' });
    expect(codes(view)).toEqual(['payment-before-decision']);
  });

  it("commitments over the operation's eligible cost", async () => {
    const { operationId, decision } = await f.committed({ committedCents: 600_000_00, eligibleCostCents: 1_000_000_00 });
    const second = await f.ok('POST', `/habitat/operations/${operationId}/commitments`, {
      financer: 'region_hdf',
      fundingLine: 'region-erbm',
      amountCents: 500_000_00,
      date: '2022-11-01',
    });
    const view = await f.ok('POST', `/habitat/commitments/${second.id}/commit`, {
      amountCents: 500_000_00,
      date: '2023-03-01',
      decision,
      legalAct: { kind: 'deliberation', reference: 'CP-2023-12', date: '2023-03-01' },
    });
    expect(view.warnings).toEqual([expect.objectContaining({ rule: 'envelope-over-committed', amountCents: 1_100_000_00, limitCents: 1_000_000_00 })]);
    const operation = await f.ok('GET', `/habitat/operations/${operationId}`, undefined);
    expect(operation.financing).toMatchObject({ total: { committed: 1_100_000_00 }, warningCount: 1 });
  });
});

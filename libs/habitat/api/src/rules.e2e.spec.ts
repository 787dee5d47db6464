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
    const a = await f.committed({ committedCents: 100_000_00, chainedCents: 100_000_00 });
    const over = await f.ok('POST', `/habitat/commitments/${a.commitmentId}/pay`, {
      amountCents: 30_000_01,
      kind: 'advance',
      reference: 'DP',
      date: '2023-03-01',
    });
    expect(over.ledgers.paid).toBe(30_000_01);
    expect(codes(over)).toEqual(['advance-above-limit']);
    const b = await f.committed({ committedCents: 100_000_00, chainedCents: 100_000_00 });
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
    const { commitmentId } = await f.committed({ committedCents: 100_000_00, chainedCents: 100_000_00 });
    expect(
      codes(await f.ok('POST', `/habitat/commitments/${commitmentId}/pay`, { amountCents: 80_000_00, kind: 'interim', reference: 'DP1', date: '2023-03-01' })),
    ).toEqual([]);
    const over = await f.ok('POST', `/habitat/commitments/${commitmentId}/pay`, { amountCents: 1_00, kind: 'interim', reference: 'DP2', date: '2023-04-01' });
    expect(over.warnings).toEqual([expect.objectContaining({ rule: 'interim-above-limit', raisedByRevision: 6 })]);
  });

  it('a payment dated before its decision', async () => {
    const { commitmentId } = await f.committed({ decisionDate: '2023-01-16', chainedCents: 1_00 });
    const view = await f.ok('POST', `/habitat/commitments/${commitmentId}/pay`, { amountCents: 1_00, kind: 'interim', reference: 'DP', date: '2022-12-20' });
    expect(codes(view)).toEqual(['payment-before-decision']);
  });

  it("commitments over the operation's eligible cost", async () => {
    const { operationId } = await f.committed({ committedCents: 600_000_00, eligibleCostCents: 1_000_000_00 });
    const decision = await f.decision('2023-01-16', [{ financer: 'region_hdf', fundingLine: 'region-erbm', amountCents: 500_000_00 }]);
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

describe('habitat-api: rules on decisions, dates and the payment chain', () => {
  let t: TestApp;
  let f: HabitatFixtures;
  let editor: string;
  beforeAll(async () => {
    t = await startTestApp(habitatService);
    editor = t.token('editor', 'habitat');
    f = new HabitatFixtures(t, editor);
  });
  afterAll(() => t.close());

  const announced = () => f.announced(1_000_000_00);
  /** How many events the decision's meeting and the commitment hold: a refusal changes neither. */
  const written = async (meetingId: string, commitmentId: string) => [
    (await t.store.readStream(`meeting-${meetingId}`)).length,
    (await t.store.readStream(`commitment-${commitmentId}`)).length,
  ];
  const programme = (commitmentId: string, body: Record<string, unknown>) =>
    t.request('POST', `/habitat/commitments/${commitmentId}/programme`, { token: editor, body: { date: '2023-01-16', ...body } });

  it('a rejected or adjourned decision programmes nothing: 50,000 € refused, nothing written', async () => {
    for (const [outcome, label] of [
      ['rejected', 'rejetée'],
      ['deferred', 'ajournée'],
    ]) {
      const decision = await f.decision('2023-01-16', [{ financer: 'etat', fundingLine: 'etat-p135', amountCents: 50_000_00 }], outcome);
      const commitmentId = await announced();
      const before = await written(decision.meetingId, commitmentId);
      const res = await programme(commitmentId, { amount: '50 000,00', decision });
      expect([res.status, res.contentType, res.body.rule, res.body.field, res.body.outcome]).toEqual([
        422,
        expect.stringContaining('application/problem+json'),
        'decision-not-approved',
        'decision',
        outcome,
      ]);
      expect(res.body.detail).toBe(`La décision D1 est ${label} : seule une décision approuvée programme ou accorde des crédits`);
      expect(await written(decision.meetingId, commitmentId)).toEqual(before);
    }
  });

  it("a decision approving 1 € for the Région does not programme 1,000,000 € of the State's money", async () => {
    const decision = await f.decision('2023-01-16', [{ financer: 'region_hdf', fundingLine: 'region-erbm', amountCents: 1_00 }]);
    const commitmentId = await announced();
    const before = await written(decision.meetingId, commitmentId);
    const res = await programme(commitmentId, { amountCents: 1_000_000_00, decision });
    expect([res.status, res.body.rule, res.body.field]).toEqual([422, 'decision-not-for-funding-line', 'decision']);
    expect(res.body.detail).toBe(
      "La décision D1 n'accorde aucun montant à etat sur la ligne etat-p135 : ses montants ne valent que pour leur financeur et leur ligne (region_hdf (region-erbm))",
    );
    expect(await written(decision.meetingId, commitmentId)).toEqual(before);
  });

  it('what commitments programme under one decision never exceeds what it approved: refused with what remains', async () => {
    const decision = await f.decision('2023-01-16', [{ financer: 'etat', fundingLine: 'etat-p135', amountCents: 100_000_00 }]);
    const [first, second] = [await announced(), await announced()];
    expect((await programme(first, { amountCents: 60_000_00, decision })).status).toBe(200);
    const before = await written(decision.meetingId, second);
    const over = await programme(second, { amountCents: 50_000_00, decision });
    expect([over.status, over.body.rule, over.body.field, over.body.remainingCents, over.body.approvedCents, over.body.programmedCents]).toEqual([
      422,
      'programme-exceeds-decision',
      'amountCents',
      40_000_00,
      100_000_00,
      60_000_00,
    ]);
    expect(over.body.detail).toContain('reste 40\u202f000,00\u00a0€');
    expect(await written(decision.meetingId, second)).toEqual(before);
    const rest = await programme(second, { amountCents: 40_000_00, decision });
    expect([rest.status, rest.body.ledgers.programmed]).toEqual([200, 40_000_00]);
    // The meeting shows what each commitment programmed under its decision.
    const meeting = await f.ok('GET', `/habitat/meetings/${decision.meetingId}`, undefined);
    expect(meeting.programmings).toEqual([
      { decisionId: 'D1', commitmentId: first, financer: 'etat', fundingLine: 'etat-p135', amountCents: 60_000_00 },
      { decisionId: 'D1', commitmentId: second, financer: 'etat', fundingLine: 'etat-p135', amountCents: 40_000_00 },
    ]);
  });

  it('a 2024 announcement is not fiscal year 2093: the fiscal year is the year of the act', async () => {
    const operation = await f.operation();
    const announce = (body: Record<string, unknown>) =>
      t.request('POST', `/habitat/operations/${operation.id}/commitments`, {
        token: editor,
        body: { financer: 'etat', fundingLine: 'etat-p135', amountCents: 50_000_00, date: '14/03/2024', ...body },
      });
    const refused = await announce({ fiscalYear: 2093 });
    expect([refused.status, refused.body.rule, refused.body.field, refused.body.fiscalYear]).toEqual([422, 'fiscal-year-not-year-of-date', 'fiscalYear', 2024]);
    expect(refused.body.detail).toBe(
      "L'exercice d'un engagement est l'année de la date de son acte (2024), pas 2093 : seul un report le fait passer à l'exercice suivant",
    );
    expect((await f.ok('GET', `/habitat/operations/${operation.id}`, undefined)).commitments).toEqual([]);
    const taken = await announce({});
    expect([taken.status, taken.body.fiscalYear]).toEqual([201, 2024]);
  });

  it('a payment dated 31/12/2199 is refused: no fact is dated after today (Europe/Paris)', async () => {
    const { commitmentId } = await f.committed({ committedCents: 100_000_00, chainedCents: 100_000_00 });
    const before = (await t.store.readStream(`commitment-${commitmentId}`)).length;
    const res = await t.request('POST', `/habitat/commitments/${commitmentId}/pay`, {
      token: editor,
      body: { amountCents: 1_000_00, kind: 'advance', reference: 'DP-2199', date: '31/12/2199' },
    });
    expect([res.status, res.body.rule, res.body.field]).toEqual([422, 'date-after-today', 'date']);
    expect(res.body.detail).toMatch(/^La date du 31\/12\/2199 est postérieure à aujourd'hui \(\d{2}\/\d{2}\/\d{4}\)/);
    expect(await t.store.readStream(`commitment-${commitmentId}`)).toHaveLength(before);
    // A meeting and an operation's phase alike.
    const meeting = await t.request('POST', '/habitat/meetings', { token: editor, body: { body: 'copil', date: '31/12/2199', place: 'Lille' } });
    expect([meeting.status, meeting.body.rule]).toEqual([422, 'date-after-today']);
    const operation = await f.operation();
    const phase = await t.request('POST', `/habitat/operations/${operation.id}/phases`, { token: editor, body: { phase: 'studies', date: '2199-12-31' } });
    expect([phase.status, phase.body.rule]).toEqual([422, 'date-after-today']);
  });

  it('a full balance paid with nothing certified nor ordered is recorded, its warnings listed with the others', async () => {
    const { operationId, commitmentId } = await f.committed({ committedCents: 100_000_00 });
    const paid = await f.ok('POST', `/habitat/commitments/${commitmentId}/pay`, {
      amountCents: 100_000_00,
      kind: 'balance',
      reference: 'DP',
      date: '2023-05-01',
    });
    expect(paid.ledgers).toMatchObject({ certified: 0, ordered: 0, paid: 100_000_00 });
    expect(paid.warnings).toEqual([
      expect.objectContaining({
        rule: 'payment-exceeds-certified',
        amountCents: 100_000_00,
        limitCents: 0,
        message: 'Paiements cumulés 100\u202f000,00\u00a0€ : au-delà du service fait certifié (0,00\u00a0€)',
      }),
      expect.objectContaining({
        rule: 'payment-exceeds-ordered',
        amountCents: 100_000_00,
        limitCents: 0,
        message: 'Paiements cumulés 100\u202f000,00\u00a0€ : au-delà des demandes de paiement mandatées (0,00\u00a0€)',
      }),
    ]);
    const operation = await f.ok('GET', `/habitat/operations/${operationId}`, undefined);
    expect(operation.financing.warningCount).toBe(2);
  });

  it('says what is wrong in French, as the warnings do', async () => {
    const { commitmentId } = await f.committed({ committedCents: 1_000_00 });
    const res = await t.request('POST', `/habitat/commitments/${commitmentId}/pay`, {
      token: editor,
      body: { amountCents: 1_000_01, kind: 'balance', reference: 'DP', date: '2023-05-01' },
    });
    expect([res.status, res.body.rule, res.body.detail, res.body.remainingCents]).toEqual([
      422,
      'payment-exceeds-committed',
      '1\u202f000,01\u00a0€ seraient payés, au-delà des 1\u202f000,00\u00a0€ engagés',
      1_000_00,
    ]);
    const party = await t.request('POST', `/habitat/commitments/${commitmentId}/change-funding-line`, {
      token: editor,
      body: { fundingLine: 'region-erbm', date: '2023-12-31', reason: 'r' },
    });
    expect(party.body.detail).toBe('La ligne de financement region-erbm est un budget de region_hdf, pas de etat');
  });
});

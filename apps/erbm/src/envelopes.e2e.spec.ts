import { ReadModels } from '@erbm/shared/api';
import { type Json, type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { logSettled } from '@erbm/shared/testing';
import { DOMAINS, everyDomain } from '@erbm/domains';

const LINE = 'etat-p135';
const act = { kind: 'convention', reference: 'Engagement pour le renouveau du bassin minier', date: '2017-03-07', document: 'erbm-2017.pdf' };
const fund = { fundingLine: LINE, kind: 'fund', fromYear: 2017, toYear: 2027, amountCents: 300_000_00, label: 'Fonds de réhabilitation (P135)', act };

/**
 * Envelopes per funding line and years: admins open and amend them by acts, two never share a year of a line, a
 * commitment beyond one is recorded with a warning, and the SGAR sees each against its line's register totals.
 */
describe('envelopes of the funding lines', () => {
  let t: TestApp;
  let admin: string;
  let editor: string;
  let sgar: string;
  let envelopeId: string;
  const domain = DOMAINS[0];

  const ok = async (method: string, path: string, body: unknown, token = editor): Promise<Json> => {
    const res = await t.request(method, path, { token, body });
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  /** The read models up to every event written so far (see logSettled). */
  const project = async () => {
    await logSettled(t.database.db);
    await t.app.get(ReadModels).catchUp();
  };

  /** A commitment on programme 135, programmed by an approved decision; committing it is up to the test. */
  async function programmed(amountCents: number): Promise<string> {
    const meeting = await ok('POST', `/${domain.name}/meetings`, { body: 'copil', date: '2023-01-16', place: 'Lille' });
    await ok('POST', `/${domain.name}/meetings/${meeting.id}/decisions`, {
      decisionId: 'D1',
      subject: 'Programmation',
      outcome: 'approved',
      amounts: [{ financer: 'etat', fundingLine: LINE, amountCents }],
    });
    const body = domain.samples.operationRequest({ name: 'Opération sous enveloppe', communeInsee: '59178', date: '2022-10-01' });
    const registered = await t.request('POST', `/${domain.name}/operations`, { token: editor, body });
    const operationId = (registered.headers.get('location') as string).split('/').pop() as string;
    const commitment = await ok('POST', `/${domain.name}/operations/${operationId}/commitments`, {
      financer: 'etat',
      fundingLine: LINE,
      amountCents,
      date: '2023-01-10',
    });
    await ok('POST', `/${domain.name}/commitments/${commitment.id}/programme`, {
      amountCents,
      date: '2023-01-16',
      decision: { meetingId: meeting.id, decisionId: 'D1' },
    });
    return commitment.id;
  }
  const commit = (id: string, amountCents: number) =>
    ok('POST', `/${domain.name}/commitments/${id}/commit`, {
      amountCents,
      date: '2023-02-01',
      legalAct: { kind: 'ej', reference: '2103456789', date: '2023-02-01' },
    });

  beforeAll(async () => {
    t = await startTestApp((database) => everyDomain({ projections: { run: false, databaseUrl: database.url }, sgar: true }));
    admin = t.token('admin');
    editor = t.token('editor', domain.name);
    sgar = t.token('sgar');
  });
  afterAll(() => t?.close());

  it('an admin opens a fund over 2017–2027 with its act; editors and the SGAR may not, and everyone reads it', async () => {
    for (const token of [editor, sgar]) expect((await t.request('POST', '/envelopes', { token, body: fund })).status).toBe(403);
    const opened = await t.request('POST', '/envelopes', { token: admin, body: fund });
    expect([opened.status, opened.headers.get('etag')]).toEqual([201, '"0"']);
    envelopeId = opened.body.id;
    expect(opened.headers.get('location')).toBe(`/envelopes/${envelopeId}`);
    expect(opened.body).toMatchObject({ fundingLine: LINE, kind: 'fund', fromYear: 2017, toYear: 2027, envelopeCents: 300_000_00, act, amendments: [] });
    const read = await t.request('GET', `/envelopes/${envelopeId}`, { token: editor });
    expect([read.status, read.body.envelopeCents, read.body.fundingLineLabel]).toEqual([200, 300_000_00, expect.stringContaining('135')]);
    expect((await t.request('GET', '/envelopes/00000000-0000-4000-8000-000000000000', { token: editor })).status).toBe(404);
  });

  it('refuses a second envelope on a year of the line, bad years, an unknown line, and malformed input; nothing is written', async () => {
    const lineStream = async () => (await t.store.readStream(`funding-envelopes-${LINE}`)).length;
    const before = await lineStream();
    const overlap = await t.request('POST', '/envelopes', { token: admin, body: { ...fund, kind: 'allocation', fromYear: 2023, toYear: 2023 } });
    expect([overlap.status, overlap.body.rule, overlap.body.field, overlap.body.envelopeId]).toEqual([422, 'envelopes-overlap', 'fromYear', envelopeId]);
    const years = await t.request('POST', '/envelopes', { token: admin, body: { ...fund, fromYear: 2030, toYear: 2029 } });
    expect([years.status, years.body.rule]).toEqual([422, 'envelope-years-invalid']);
    const allocation = await t.request('POST', '/envelopes', { token: admin, body: { ...fund, kind: 'allocation', fromYear: 2030, toYear: 2031 } });
    expect([allocation.status, allocation.body.rule]).toEqual([422, 'allocation-not-one-year']);
    const unknown = await t.request('POST', '/envelopes', { token: admin, body: { ...fund, fundingLine: 'nowhere' } });
    expect([unknown.status, unknown.body.rule, unknown.body.field]).toEqual([422, 'unknown-funding-line', 'fundingLine']);
    const malformed = await t.request('POST', '/envelopes', { token: admin, body: { ...fund, label: undefined, fromYear: 'deux mille' } });
    expect(malformed.status).toBe(400);
    expect(JSON.stringify(malformed.body)).toContain('label');
    expect(JSON.stringify(malformed.body)).toContain('fromYear');
    expect(await lineStream()).toBe(before);
    // Another line's envelope for the same years is its own.
    const other = await t.request('POST', '/envelopes', {
      token: admin,
      body: { ...fund, fundingLine: 'etat-p147', kind: 'allocation', fromYear: 2023, toYear: 2023 },
    });
    expect(other.status).toBe(201);
  });

  it('two openings at once on a shared year of one line: one is opened, the other refused', async () => {
    const line = 'etat-p112-fnadt';
    const [a, b] = await Promise.all([
      t.request('POST', '/envelopes', { token: admin, body: { ...fund, fundingLine: line, kind: 'allocation', fromYear: 2024, toYear: 2024 } }),
      t.request('POST', '/envelopes', { token: admin, body: { ...fund, fundingLine: line, fromYear: 2020, toYear: 2025 } }),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 422]);
    expect([a, b].find((r) => r.status === 422)?.body.rule).toBe('envelopes-overlap');
    expect((await t.request('GET', `/envelopes?fundingLine=${line}`, { token: editor })).body.envelopes).toHaveLength(1);
  });

  it('is amended down and up by acts that say why, never below zero; a retry with the same Idempotency-Key changes nothing twice', async () => {
    const amend = (body: unknown, headers: Record<string, string> = {}) =>
      t.request('POST', `/envelopes/${envelopeId}/amendments`, { token: admin, body, headers });
    const topDown = {
      direction: 'decrease',
      amountCents: 150_000_00,
      reason: 'redéploiement',
      act: { kind: 'notification', reference: 'N-2023-1', date: '2023-01-05' },
    };
    const first = await amend(topDown, { 'Idempotency-Key': 'amend-1' });
    const again = await amend(topDown, { 'Idempotency-Key': 'amend-1' });
    expect([first.status, first.body.envelopeCents, again.body.envelopeCents]).toEqual([200, 150_000_00, 150_000_00]);
    const up = await amend({ ...topDown, direction: 'increase', amountCents: 50_000_00, reason: 'abondement' });
    expect([up.body.envelopeCents, up.body.initialEnvelopeCents, up.body.amendments.map((a: { changeCents: number }) => a.changeCents)]).toEqual([
      200_000_00,
      300_000_00,
      [-150_000_00, 50_000_00],
    ]);
    const below = await amend({ ...topDown, amountCents: 200_000_01 });
    expect([below.status, below.body.rule, below.body.envelopeCents]).toEqual([422, 'envelope-amendment-below-zero', 200_000_00]);
    const noReason = await amend({ ...topDown, reason: ' ' });
    // A blank reason is malformed input, refused at the edge.
    expect([noReason.status, JSON.stringify(noReason.body).includes('reason')]).toEqual([400, true]);
    expect((await t.request('GET', `/envelopes/${envelopeId}`, { token: editor })).body.envelopeCents).toBe(200_000_00);
  });

  it('lists the envelopes of a line covering a year', async () => {
    const of = async (query: string) =>
      ((await t.request('GET', `/envelopes?${query}`, { token: editor })).body.envelopes as { id: string }[]).map((e) => e.id);
    expect(await of(`fundingLine=${LINE}&year=2023`)).toEqual([envelopeId]);
    expect(await of(`fundingLine=${LINE}&year=2028`)).toEqual([]);
    expect(await of('year=2017')).toEqual([envelopeId]);
    expect((await t.request('GET', '/envelopes?year=soon', { token: editor })).status).toBe(400);
  });

  it('records a warning on a commitment that takes the line beyond its envelope, as the register counted it', async () => {
    const first = await programmed(150_000_00);
    const within = await commit(first, 150_000_00);
    expect(within.warnings).toEqual([]);
    await project();
    const second = await programmed(100_000_00);
    const beyond = await commit(second, 100_000_00);
    expect(beyond.warnings).toEqual([
      expect.objectContaining({
        rule: 'funding-envelope-over-committed',
        amountCents: 250_000_00,
        limitCents: 200_000_00,
        message: expect.stringContaining(envelopeId),
      }),
    ]);
    await ok('POST', `/${domain.name}/commitments/${first}/pay`, { amountCents: 20_000_00, kind: 'advance', reference: 'DP-1', date: '2023-03-01' });
    await ok('POST', `/${domain.name}/commitments/${second}/release`, { amountCents: 10_000_00, date: '2023-06-01', reason: 'économies' });
    await project();
  });

  it("shows the SGAR each envelope against its line's totals in the register over its years, and exports it", async () => {
    const view = await t.request('GET', `/sgar/envelopes?fundingLine=${LINE}`, { token: sgar });
    expect(view.status).toBe(200);
    expect(view.body.freshness.checkpoint).toEqual(expect.any(String));
    const [row] = view.body.rows;
    const totals = (await t.request('GET', `/sgar/totals?fundingLine=${LINE}&groupBy=fiscalYear`, { token: sgar })).body.rows as Record<string, number>[];
    const inYears = totals.filter((r) => r.fiscalYear >= 2017 && r.fiscalYear <= 2027);
    const sum = (k: string) => inYears.reduce((s, r) => s + r[k], 0);
    expect(row).toMatchObject({
      id: envelopeId,
      envelopeCents: 200_000_00,
      programmed: sum('programmed'),
      committed: sum('committed'),
      released: sum('released'),
      paid: sum('paid'),
      commitmentCount: sum('commitmentCount'),
    });
    expect([row.committed, row.released, row.paid, row.netCommitted]).toEqual([250_000_00, 10_000_00, 20_000_00, 240_000_00]);
    expect([row.resteAEngager, row.committedOfEnvelopePercent]).toEqual([200_000_00 - 240_000_00, 120]);
    expect(view.body.total).toMatchObject({ envelopeCents: 200_000_00, resteAEngager: -40_000_00 });
    expect((await t.request('GET', `/sgar/envelopes?year=2016`, { token: sgar })).body.rows).toEqual([]);
    expect((await t.request('GET', '/sgar/envelopes', { token: editor })).status).toBe(403);

    const csv = await t.request('GET', `/sgar/envelopes?fundingLine=${LINE}&format=csv`, { token: sgar });
    expect([csv.status, csv.contentType]).toEqual([200, expect.stringContaining('text/csv')]);
    const lines = String(csv.body).split('\r\n');
    const header = lines.find((l) => l.includes('reste à engager')) as string;
    const line = lines.find((l) => l.startsWith(envelopeId)) as string;
    const cell = (name: string) => line.split(';')[header.split(';').indexOf(name)];
    expect([cell('reste à engager (€)'), cell('engagé net (€)')]).toEqual(['-40000,00', '240000,00']);
    const xlsx = await t.request('GET', `/sgar/envelopes?format=xlsx`, { token: sgar });
    expect([xlsx.status, xlsx.contentType]).toEqual([200, expect.stringContaining('spreadsheetml')]);
  });
});

import ExcelJS from 'exceljs';
import { ReadModels } from '@erbm/shared/api';
import { type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { parseCsvRecords } from '@erbm/shared/referentials';
import { logSettled, untilClockPasses } from '@erbm/shared/testing';
import { DOMAINS } from '@erbm/domains';
import { DomainFixtures, withReadModels } from './testing';

describe("the auditors' trail over HTTP", () => {
  const [domain] = DOMAINS;
  let t: TestApp;
  let editor: string;
  let auditor: string;
  let f: DomainFixtures;
  let commitmentId: string;
  let operationId: string;
  let decision: { meetingId: string; decisionId: string };

  beforeAll(async () => {
    t = await startTestApp(withReadModels);
    editor = t.token('editor', domain.name, { userId: 'alice', organisation: 'DDTM du Nord', party: 'etat' });
    auditor = t.token('auditor', undefined, { userId: 'ccomptes', organisation: 'Cour des comptes' });
    f = new DomainFixtures(t, domain, editor);
    ({ commitmentId, operationId, decision } = await f.committed(100_000_00));
    // Payments after a service fait and a payment request for the whole amount: revisions 3 and 4.
    await f.ok('POST', `/${domain.name}/commitments/${commitmentId}/certify`, { amountCents: 100_000_00, reference: 'SF-1', date: '2023-02-20' });
    await f.ok('POST', `/${domain.name}/commitments/${commitmentId}/order`, { amountCents: 100_000_00, reference: 'OP-1', date: '2023-02-25' });
    await f.ok('POST', `/${domain.name}/commitments/${commitmentId}/pay`, {
      amountCents: 30_000_00,
      kind: 'advance',
      reference: 'DP-1',
      date: '2023-03-01',
      sourceDocument: { kind: 'dp', reference: 'DP n° 2023-1' },
    });
    await f.ok('POST', `/${domain.name}/commitments/${commitmentId}/pay`, { amountCents: 20_000_00, kind: 'interim', reference: 'DP-2', date: '2023-06-01' });
    // The interim payment was 2,000.00 € too high: corrected, never edited.
    await f.ok('POST', `/${domain.name}/commitments/${commitmentId}/correct`, {
      revision: 6,
      amountCents: 18_000_00,
      date: '2023-07-01',
      reason: 'erreur de saisie du montant',
    });
  });
  afterAll(() => t.close());

  const audit = (path: string, token = auditor) => t.request('GET', path, { token });
  /** The read models up to every event written so far (see logSettled). */
  const catchUp = async () => {
    await logSettled(t.database.db);
    await t.app.get(ReadModels).catchUp();
  };

  it('shows the history of a commitment: who, role, organisation, on behalf of, when, recorded, why, source, in French', async () => {
    const res = await audit(`/audit/history/commitment/${commitmentId}`);
    expect(res.status).toBe(200);
    const history = res.body.history as Record<string, unknown>[];
    expect(history.map((h) => h.label)).toEqual([
      'Engagement annoncé',
      'Engagement programmé par une décision',
      'Engagement juridique (acte signé)',
      'Service fait certifié',
      'Demande de paiement (mandatement)',
      'Paiement',
      'Paiement',
      'Correction d’un fait antérieur',
    ]);
    expect(history[5]).toMatchObject({
      recordedBy: 'alice',
      role: 'editor',
      organisation: 'DDTM du Nord',
      onBehalfOf: 'etat',
      occurredAt: '2023-03-01',
      sourceDocument: 'dp DP n° 2023-1',
      effects: [{ ledger: 'paid', amountCents: 30_000_00 }],
    });
    expect(history[7]).toMatchObject({ reason: 'erreur de saisie du montant', corrects: 6, effects: [{ ledger: 'paid', amountCents: -2_000_00 }] });
    expect(history[6].correctedBy).toEqual([7]);
    expect(history.every((h) => typeof h.hash === 'string' && typeof h.recordedAt === 'string')).toBe(true);
    const meeting = await audit(`/audit/history/meeting/${decision.meetingId}`);
    // The meeting counts what its decision programmed.
    expect(meeting.body.history.map((h: { label: string }) => h.label)).toEqual([
      'Réunion d’une instance',
      'Décision',
      'Engagement programmé au titre de la décision',
    ]);
    // An operation's facts, in the words of its domain.
    const operation = await audit(`/audit/history/operation/${domain.name}/${operationId}`);
    const facts = await t.store.readStream(domain.operations.streamName(operationId));
    expect(facts.length).toBeGreaterThan(0);
    expect(operation.body.history.map((h: { label: string }) => h.label)).toEqual(facts.map((e) => domain.eventLabels[e.type] ?? `no label for ${e.type}`));
  });

  it('shows the lineage of a commitment, each correction beside what it corrects, and from a payment upwards', async () => {
    const lineage = (await audit(`/audit/lineage/commitment/${commitmentId}`)).body;
    expect(lineage.decisions).toEqual([
      expect.objectContaining({
        meetingId: decision.meetingId,
        decisionId: 'D1',
        meeting: expect.objectContaining({ body: 'copil', place: 'Lille' }),
        decision: expect.objectContaining({ subject: 'Programmation', outcome: 'approved' }),
        usedBy: [1],
      }),
    ]);
    expect(lineage.legalActs).toEqual([expect.objectContaining({ kind: 'ej', reference: '2103456789', revision: 2 })]);
    const interim = lineage.payments.find((p: { revision: number }) => p.revision === 6);
    expect(interim.corrections).toEqual([
      expect.objectContaining({
        revision: 7,
        reason: 'erreur de saisie du montant',
        data: expect.objectContaining({
          before: expect.objectContaining({ amountCents: 20_000_00 }),
          after: expect.objectContaining({ amountCents: 18_000_00 }),
        }),
      }),
    ]);
    expect(lineage.corrections[0].corrected.revision).toBe(6);
    expect(lineage.commitment.ledgers.paid).toBe(48_000_00);

    const payment = (await audit(`/audit/lineage/payment/${commitmentId}/5`)).body;
    expect(payment.chain.map((c: { step: string }) => c.step)).toEqual(['Paiement', 'Acte juridique ej 2103456789', 'Décision D1 (Programmation)']);
    expect(payment.chain[2].meeting).toContain('Lille');
    expect((await audit(`/audit/lineage/payment/${commitmentId}/2`)).status).toBe(404);
  });

  it('goes from a consolidated total to the commitments behind it, then to their decisions', async () => {
    await catchUp();
    const total = (await audit(`/audit/lineage/total?financer=etat&fundingLine=etat-p135`)).body;
    expect(total.total.commitmentCount).toBeGreaterThanOrEqual(1);
    const mine = total.commitments.find((c: { id: string }) => c.id === commitmentId);
    expect(mine.decisions[0]).toMatchObject({ decisionId: 'D1', body: expect.stringContaining('Comité de pilotage') });
    expect(total.commitments.reduce((s: number, c: { committed: number }) => s + c.committed, 0)).toBe(total.total.committed);
  });

  it('shows a commitment as known at a past time, which differs from today and equals what was shown then', async () => {
    const before = await t.request('GET', `/${domain.name}/commitments/${commitmentId}`, { token: auditor });
    const shownAt = before.body.facts[before.body.facts.length - 1].recordedAt;
    await untilClockPasses(shownAt);
    await f.ok('POST', `/${domain.name}/commitments/${commitmentId}/pay`, { amountCents: 1_00, kind: 'interim', reference: 'DP-3', date: '2023-08-01' });
    const then = (await audit(`/audit/state/commitment/${commitmentId}?asKnownAt=${shownAt}`)).body;
    const now = (await audit(`/audit/state/commitment/${commitmentId}`)).body;
    expect(then.state.ledgers).toEqual(before.body.ledgers);
    expect(now.state.ledgers.paid).toBe(before.body.ledgers.paid + 1_00);
    expect(then.revision).toBe(before.body.revision);
    // As of a business date, as known now: the correction of a fact counts with it.
    const asOf = (await audit(`/audit/state/commitment/${commitmentId}?asOf=2023-06-30`)).body;
    expect(asOf).toMatchObject({ status: 'committed', ledgers: expect.objectContaining({ paid: 48_000_00 }) });
    expect((await audit(`/audit/state/commitment/${commitmentId}?asOf=2023-04-01`)).body.ledgers.paid).toBe(30_000_00);
  });

  it("shows the SGAR's consolidated view exactly as it was shown at a past time, which differs from today's", async () => {
    const sgar = t.token('sgar');
    await catchUp();
    const shown = (await t.request('GET', '/sgar/totals?groupBy=financer,arrondissement,fiscalYear', { token: sgar })).body;
    await untilClockPasses(shown.freshness.reflectsRecordedUpTo);
    await f.ok('POST', `/${domain.name}/commitments/${commitmentId}/pay`, { amountCents: 2_00, kind: 'interim', reference: 'DP-late', date: '2023-09-01' });
    await f.committed(7_000_00);
    await catchUp();
    const today = (await t.request('GET', '/sgar/totals?groupBy=financer,arrondissement,fiscalYear', { token: sgar })).body;
    expect(today.total.paid).toBe(shown.total.paid + 2_00);
    expect(today.total.committed).toBe(shown.total.committed + 7_000_00);
    const byCheckpoint = (
      await t.request('GET', `/sgar/totals?groupBy=financer,arrondissement,fiscalYear&asOfCheckpoint=${shown.freshness.checkpoint}`, { token: sgar })
    ).body;
    expect(byCheckpoint.rows).toEqual(shown.rows);
    expect(byCheckpoint.total).toEqual(shown.total);
    const byTime = (
      await t.request('GET', `/sgar/totals?groupBy=financer,arrondissement,fiscalYear&asKnownAt=${shown.freshness.reflectsRecordedUpTo}`, { token: sgar })
    ).body;
    expect(byTime.rows).toEqual(shown.rows);
    expect(byTime.freshness.asKnownAt).toBe(shown.freshness.reflectsRecordedUpTo);
    const now = (await t.request('GET', `/sgar/totals?groupBy=financer,arrondissement,fiscalYear&asKnownAt=${new Date().toISOString()}`, { token: sgar })).body;
    expect(now.rows).toEqual(today.rows);
    const progressThen = (await t.request('GET', `/sgar/progress?by=arrondissement&asOfCheckpoint=${shown.freshness.checkpoint}&format=csv`, { token: sgar }))
      .body as string;
    expect(progressThen).toContain(`# position dans le journal: ${shown.freshness.checkpoint}`);
  });

  it('exports history and lineage as CSV and XLSX headed with the as-of time, the log position and the latest seal, re-adding to the ledgers', async () => {
    const admin = t.token('admin');
    // The seal covers the log as readers see it: every event written so far, once settled.
    await logSettled(t.database.db);
    const sealed = await t.request('POST', '/audit/seals', { token: admin });
    expect(sealed.status).toBe(201);
    const digest = sealed.body.seal.digest as string;
    const view = (await audit(`/audit/history/commitment/${commitmentId}`)).body;
    const csv = await fetch(`${t.baseUrl}/audit/history/commitment/${commitmentId}?format=csv`, { headers: { authorization: `Bearer ${auditor}` } }).then((r) =>
      r.text(),
    );
    const lines = csv.replace(/^\ufeff/, '').split('\r\n');
    expect(lines[2]).toMatch(/^# position dans le journal: \d+\/\d+$/);
    expect(lines[3]).toContain(`# dernier sceau: ${digest}`);
    const rows = parseCsvRecords(lines.filter((l) => !l.startsWith('#')).join('\n'), ';');
    const sum = (ledger: string) =>
      rows.filter((r) => r['grand livre'] === ledger).reduce((s, r) => s + Math.round(Number(r['montant (€)'].replace(',', '.')) * 100), 0);
    expect(sum('paid')).toBe(view.ledgers.paid);
    expect(sum('committed')).toBe(view.ledgers.committed);

    const xlsx = await fetch(`${t.baseUrl}/audit/lineage/commitment/${commitmentId}?format=xlsx`, { headers: { authorization: `Bearer ${auditor}` } });
    expect(xlsx.headers.get('content-type')).toContain('spreadsheetml');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await xlsx.arrayBuffer()) as unknown as ExcelJS.Buffer);
    const sheet = workbook.worksheets[0];
    expect(String(sheet.getRow(4).getCell(2).value)).toContain(digest);
    const header = sheet.getRow(6).values as unknown[];
    const ledgerCol = header.indexOf('grand livre');
    const amountCol = header.indexOf('montant (€)');
    let paid = 0;
    sheet.eachRow((row, n) => {
      if (n > 6 && row.getCell(ledgerCol).value === 'paid') paid += Math.round(Number(row.getCell(amountCol).value) * 100);
    });
    expect(paid).toBe(view.ledgers.paid);
  });

  it('detects an event altered and an event deleted directly in SQL, at the right event', async () => {
    const ok = await audit('/audit/verify');
    expect(ok.body).toMatchObject({ ok: true, firstBreak: null });
    const events = await t.store.readStream(`commitment-${commitmentId}`);
    await t.database.db.query(`UPDATE event_store.events SET data = '{"amountCents":1}' WHERE event_id = $1`, [events[3].id]);
    const altered = (await audit('/audit/verify')).body;
    expect(altered.ok).toBe(false);
    expect(altered.firstBreak).toMatchObject({ streamName: `commitment-${commitmentId}`, revision: 3, eventId: events[3].id });
    await t.database.db.query(`DELETE FROM event_store.events WHERE event_id = $1`, [events[4].id]);
    const deleted = (await audit('/audit/verify')).body;
    expect(deleted.breaks.map((b: { revision: number; reason: string }) => [b.revision, b.reason])).toEqual([
      [3, expect.stringContaining('altered')],
      [5, 'revision 4 missing before this event'],
    ]);
    expect(deleted.sealBreaks[0].reason).toContain('were deleted');
  });

  it('lets the auditor read everything and write nothing; an editor sees only the trail of its domain', async () => {
    expect((await t.request('POST', '/audit/seals', { token: auditor })).status).toBe(403);
    expect(
      (
        await t.request('POST', `/${domain.name}/commitments/${commitmentId}/pay`, {
          token: auditor,
          body: { amountCents: 1, kind: 'interim', reference: 'x', date: '2023-01-01' },
        })
      ).status,
    ).toBe(403);
    expect((await audit(`/audit/history/commitment/${commitmentId}`, t.token('editor', `not-${domain.name}`))).status).toBe(403);
    expect((await audit(`/audit/history/commitment/${commitmentId}`, editor)).status).toBe(200);
    expect((await audit(`/audit/seals`, t.token('sgar'))).status).toBe(200);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { ReadModels } from '@erbm/shared/api';
import { type Json, type TestApp, startTestApp, upload } from '@erbm/shared/api/testing';
import { logSettled } from '@erbm/shared/testing';
import { isSiret } from '@erbm/shared/kernel';
import { LEDGER_REGISTER, consolidatedTotals } from '@erbm/ledger/read-models';
import { politiqueDeLaVilleService } from '../testing/service';

/** The real files, as published (data/p147/PROVENANCE.md); a variant is made from them in memory. */
const DATA = join(__dirname, '../../../../../data/p147');
const AR_FILE = 'p147_adulte_relais_59_62_2020_2023.csv';
const FONJEP_FILE = 'p147_postes_fonjep_59_62_2020_2023.csv';
const read = (name: string) => readFileSync(join(DATA, name), 'utf8');
type Row = { annee: string; id_poste: string; code_tiers: string; raison_sociale: string; montant: string; code_cv: string; insee_dep: string };
const rowsOf = (text: string): Row[] => parse(text, { columns: true, bom: true }) as Row[];
/** `19875.06` in cents, from the text: the file's sums to the cent, no floating point. */
const cents = (montant: string) => {
  const [euros, decimals = ''] = montant.split('.');
  return Number(euros) * 100 + Number(decimals.padEnd(2, '0'));
};
const toCsv = (rows: Row[], header: string) =>
  [
    header,
    ...rows.map((r) =>
      header
        .split(',')
        .map((c) => {
          const v = (r as Record<string, string>)[c] ?? '';
          return /[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
        })
        .join(','),
    ),
  ].join('\n') + '\n';

/**
 * The acceptance of the P147 imports: the two real files of the ANCT, uploaded by the domain's team, give the SGAR the
 * State's commitments on programme 147 by year and département to the cent, one post per post id and year, and
 * writing them again writes nothing; a corrected file writes only its differences, as corrections citing the import.
 */
describe('politique de la ville: importing the real adultes-relais and FONJEP files', () => {
  let t: TestApp;
  let editor: string;
  let sgar: string;
  const ar = rowsOf(read(AR_FILE));
  const fonjep = rowsOf(read(FONJEP_FILE));
  const reports: Record<string, Json> = {};

  const catchUp = async () => {
    await logSettled(t.database.db);
    await t.app.get(ReadModels).catchUp();
  };
  const send = (source: string, name: string, content: string, query = '') =>
    upload(t.baseUrl, `/politique-de-la-ville/imports/${source}${query}`, editor, { name, content });
  /** The SGAR's consolidated totals (`GET /sgar/totals` serves this query of the ledger register). */
  const totals = (groupBy: ('fiscalYear' | 'departement')[], filters: Record<string, string | number>) =>
    consolidatedTotals(t.app.get(ReadModels).dataSource(LEDGER_REGISTER), groupBy, { financer: 'etat', fundingLine: 'etat-p147', ...filters });
  const logSize = async () => {
    await logSettled(t.database.db);
    return t.store.countAfter(null);
  };

  beforeAll(async () => {
    t = await startTestApp(politiqueDeLaVilleService);
    editor = t.token('editor', 'politique-de-la-ville', { userId: 'charge-de-mission-p147' });
    sgar = t.token('sgar');
    for (const [source, file] of [
      ['adultes-relais', AR_FILE],
      ['postes-fonjep', FONJEP_FILE],
    ] as const) {
      const started = Date.now();
      const res = await send(source, file, read(file));
      expect(res.status).toBe(201);
      reports[source] = res.body;
      // Not a check (the benchmark measures it): what the run took here, for whoever reads the log.
      process.stdout.write(`import ${source}: ${res.body.rowsRead} rows in ${Date.now() - started} ms\n`);
    }
    await catchUp();
  });
  afterAll(() => t?.close());

  it('reports every row read and created, none rejected; the employers FONJEP names only are listed to resolve', () => {
    expect(reports['adultes-relais']).toMatchObject({ rowsRead: ar.length, created: ar.length, unchanged: 0, changed: 0, rejectedCount: 0 });
    expect(reports['postes-fonjep']).toMatchObject({ rowsRead: fonjep.length, created: fonjep.length, rejectedCount: 0 });
    const unresolved = reports['postes-fonjep'].notes.find((n: { code: string }) => n.code === 'employers-unresolved');
    expect(unresolved.items).toContain('CENTRE SOCIAL IMAGINE');
    expect(unresolved.items.length).toBeGreaterThan(0);
  });

  it("gives the SGAR's totals of the State's commitments on P147 by year and département, equal to the files' sums to the cent", async () => {
    const expected = new Map<string, number>();
    for (const r of [...ar, ...fonjep]) expected.set(`${r.annee}/${r.insee_dep}`, (expected.get(`${r.annee}/${r.insee_dep}`) ?? 0) + cents(r.montant));
    const { rows } = await totals(['fiscalYear', 'departement'], {});
    const actual = new Map(rows.map((r) => [`${r.fiscalYear}/${r.departement}`, r.committed]));
    expect(actual).toEqual(expected);
    expect(rows.every((r) => r.paid === 0)).toBe(true);
  });

  it('counts one post per distinct post id and year, as the files list them', async () => {
    for (const year of ['2020', '2021', '2022', '2023']) {
      const { body } = await t.request('GET', `/politique-de-la-ville/indicators?year=${year}`, { token: sgar });
      const value = (code: string) => body.indicators.find((i: { indicator: string }) => i.indicator === code).value;
      expect([year, value('postes-adultes-relais'), value('postes-fonjep')]).toEqual([
        year,
        new Set(ar.filter((r) => r.annee === year).map((r) => r.id_poste)).size,
        new Set(fonjep.filter((r) => r.annee === year).map((r) => r.id_poste)).size,
      ]);
    }
    // 2023: a full adulte-relais post is one FTE, a FONJEP post its amount over the 7,164 € unit.
    const { body } = await t.request('GET', '/politique-de-la-ville/indicators?year=2023', { token: sgar });
    const fte = ar.filter((r) => r.annee === '2023').length + fonjep.filter((r) => r.annee === '2023').reduce((s, r) => s + cents(r.montant) / 716_400, 0);
    expect(body.indicators.find((i: { indicator: string }) => i.indicator === 'etp-finances').value).toBeCloseTo(fte, 1);
    const lens = body['euros-par-habitant-qpv'].byContratDeVille.find((c: { contratDeVille: string }) => c.contratDeVille === 'CV219');
    const lensCents = [...ar, ...fonjep].filter((r) => r.annee === '2023' && r.code_cv === 'CV219').reduce((s, r) => s + cents(r.montant), 0);
    expect(lens).toMatchObject({ netCommitted: lensCents, qpvPopulation: 53545, value: Math.round(lensCents / 53545) / 100 });
  });

  it('shows the P147 envelope of a year with what remains to commit once an admin opens it', async () => {
    const opened = await t.request('POST', '/envelopes', {
      token: t.token('admin'),
      body: {
        fundingLine: 'etat-p147',
        kind: 'allocation',
        fromYear: 2023,
        label: 'BOP 147 Hauts-de-France 2023 (Nord et Pas-de-Calais)',
        amountCents: 20_000_000_00,
        act: { kind: 'notification', reference: 'Notification des crédits BOP 0147-R32 2023', date: '2023-01-15' },
      },
    });
    expect(opened.status).toBe(201);
    const committed2023 = [...ar, ...fonjep].filter((r) => r.annee === '2023').reduce((s, r) => s + cents(r.montant), 0);
    const { body } = await t.request('GET', '/politique-de-la-ville/envelopes?year=2023', { token: sgar });
    expect(body.envelopes).toHaveLength(1);
    const row = body.envelopes[0];
    expect(row).toMatchObject({ envelopeCents: 20_000_000_00, netCommitted: committed2023, resteAEngager: 20_000_000_00 - committed2023 });
  });

  it('keeps the rows without a contrat de ville, placed by their département and flagged', async () => {
    const without = ar.filter((r) => !r.code_cv);
    expect(without.length).toBeGreaterThan(0);
    const { body } = await t.request('GET', '/politique-de-la-ville/operations?flag=sans-contrat-de-ville&kind=poste-adulte-relais', { token: sgar });
    const posts = new Set(without.map((r) => r.id_poste.slice(0, -2)));
    expect(new Set(body.operations.map((o: { postId: string }) => o.postId))).toEqual(posts);
    for (const o of body.operations)
      expect(o).toMatchObject({ contratDeVille: '', departement: without.find((r) => r.id_poste.startsWith(o.postId))?.insee_dep });
  });

  it("keeps one FONJEP post whose employer's name changes between years, with each year's employer on its commitment", async () => {
    const years = fonjep.filter((r) => r.id_poste === 'D01187').sort((a, b) => a.annee.localeCompare(b.annee));
    expect(new Set(years.map((r) => r.code_tiers)).size).toBe(2);
    const { body } = await t.request('GET', '/politique-de-la-ville/operations?postId=D01187', { token: sgar });
    expect(body.operations).toHaveLength(1);
    expect(body.operations[0].employerName).toBe(years[years.length - 1].code_tiers);
    const post = await t.request('GET', `/politique-de-la-ville/operations/${body.operations[0].id}`, { token: sgar });
    expect(post.body.fundedYears).toEqual(years.map((r) => Number(r.annee)));
    expect(new Set(post.body.commitments.map((c: { beneficiaryId: string }) => c.beneficiaryId)).size).toBe(2);
  });

  it('writes nothing when the same files are sent again, and answers the first report', async () => {
    const before = await logSize();
    for (const [source, file] of [
      ['adultes-relais', AR_FILE],
      ['postes-fonjep', FONJEP_FILE],
    ] as const) {
      const again = await send(source, `copie-${file}`, read(file));
      expect([again.status, again.body.alreadyImported, again.body.importId]).toEqual([200, true, reports[source].importId]);
    }
    expect(await logSize()).toBe(before);
  });

  it('writes only the differences of a corrected file, as corrections citing the import; an amount off the flat rate is warned', async () => {
    const header = read(AR_FILE).split('\n')[0].trim();
    const corrected = ar.map((r) => ({ ...r }));
    const amount = corrected.find((r) => r.annee === '2023') as Row;
    amount.montant = '20000';
    const employer = corrected.find((r) => r.annee === '2021' && r.id_poste !== amount.id_poste) as Row;
    const other = ar.find((r) => r.code_tiers !== employer.code_tiers && isSiret(r.code_tiers)) as Row;
    employer.code_tiers = other.code_tiers;
    employer.raison_sociale = other.raison_sociale;
    const before = await logSize();
    const dry = await send('adultes-relais', 'corrige.csv', toCsv(corrected, header), '?dryRun=true');
    expect(dry.body).toMatchObject({ dryRun: true, changed: 2, unchanged: ar.length - 2, created: 0 });
    expect(await logSize()).toBe(before);
    const res = await send('adultes-relais', 'corrige.csv', toCsv(corrected, header));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ changed: 2, unchanged: ar.length - 2, created: 0, rejectedCount: 0, eventsWritten: dry.body.eventsWritten });
    // Started, the corrections (a reduction and its warning on the post; a new beneficiary assigned), Completed, the index.
    expect((await logSize()) - before).toBe(res.body.eventsWritten + 3);
    await catchUp();
    const { body: list } = await t.request('GET', `/politique-de-la-ville/operations?postId=${amount.id_poste.slice(0, -2)}`, { token: sgar });
    const post = await t.request('GET', `/politique-de-la-ville/operations/${list.operations[0].id}`, { token: sgar });
    const year2023 = post.body.commitments.find((c: { fiscalYear: number }) => c.fiscalYear === 2023);
    expect(year2023.netCommitted).toBe(20000_00);
    const reduction = year2023.facts.find((f: { type: string }) => f.type === 'ledger.CommitmentReduced');
    expect(reduction).toBeDefined();
    expect(post.body.warnings).toEqual([
      expect.objectContaining({ code: 'amount-differs-from-flat-rate', fiscalYear: 2023, amountCents: 20000_00, flatRateCents: 2_255_573 }),
    ]);
    // The correction cites the import as its source document and reason, in the name of who imported.
    const events = await t.store.readStream(`commitment-${year2023.id}`);
    const last = events[events.length - 1];
    expect([last.type, last.envelope.actor.userId, last.envelope.sourceDocument]).toEqual([
      'ledger.CommitmentReduced',
      'charge-de-mission-p147',
      { kind: 'import', reference: res.body.importId, sha256: res.body.sha256 },
    ]);
    expect(last.envelope.reason).toContain(res.body.importId);
    const dep = (await totals(['departement'], { fiscalYear: 2023 })).rows.find((r) => r.departement === amount.insee_dep) as { committed: number };
    const expected = [...ar, ...fonjep].filter((r) => r.annee === '2023' && r.insee_dep === amount.insee_dep).reduce((s, r) => s + cents(r.montant), 0);
    expect(dep.committed).toBe(expected - cents(ar.find((r) => r.id_poste === amount.id_poste && r.annee === '2023')?.montant as string) + 20000_00);
  });

  it('rejects bad rows with their line and reason, keeps the good ones, and refuses a file that is no such export', async () => {
    const header = read(AR_FILE).split('\n')[0].trim();
    const good = ar.slice(0, 2);
    const bad: Row[] = [
      { ...good[0], code_tiers: '12345678901234' },
      { ...good[0], annee: '2021', montant: '19 875,06' },
      { ...good[0], annee: '2022', code_cv: 'CV999' },
      { ...good[1] },
    ];
    const before = await logSize();
    // A blank line between the two parts: rejections still name the file's lines.
    const content = `${toCsv(good, header)}\n${toCsv(bad, header).split('\n').slice(1).join('\n')}`;
    const res = await send('adultes-relais', 'lignes.csv', content, '?dryRun=true');
    expect(res.status).toBe(200);
    expect(res.body.rejected).toEqual([
      { row: 5, field: 'code_tiers', reason: expect.stringContaining('SIRET') },
      { row: 6, field: 'montant', reason: expect.stringContaining('montant') },
      { row: 7, field: 'code_cv', reason: expect.stringContaining('CV999') },
      { row: 8, field: 'id_poste', reason: expect.stringContaining('ligne 3') },
    ]);
    expect(res.body).toMatchObject({ rowsRead: 6, unchanged: 2, rejectedCount: 4 });
    const notCsv = await send('adultes-relais', 'autre.csv', 'nom;valeur\nx;1\n');
    expect([notCsv.status, notCsv.body.field, notCsv.contentType?.split(';')[0]]).toEqual([422, 'file', 'application/problem+json']);
    expect(notCsv.body.detail).toContain('colonnes manquantes');
    expect(await logSize()).toBe(before);
  });
});

/** An import that stops halfway (the store fails under it) is completed by sending the same file again, nothing twice. */
describe('politique de la ville: an import stopped halfway, then sent again', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(politiqueDeLaVilleService);
  });
  afterAll(() => t?.close());

  it('completes on the second upload: every year once, each commitment written once, one start and one end in the trail', async () => {
    const text = read(AR_FILE);
    const [header, ...lines] = text.trim().split('\n');
    // The first 300 rows: enough posts, conventions and years to stop in the middle of them.
    const content = `${[header, ...lines.slice(0, 300)].join('\n')}\n`;
    const rows = rowsOf(content);
    const editor = t.token('editor', 'politique-de-la-ville', { userId: 'charge-de-mission-p147' });
    const append = t.store.append.bind(t.store);
    let appends = 0;
    const spy = jest.spyOn(t.store, 'append').mockImplementation(async (...args) => {
      if (++appends > 400) throw new Error('panne simulée du stockage');
      return append(...args);
    });
    const stopped = await upload(t.baseUrl, '/politique-de-la-ville/imports/adultes-relais', editor, { name: AR_FILE, content });
    spy.mockRestore();
    expect(stopped.status).toBe(500);
    const again = await upload(t.baseUrl, '/politique-de-la-ville/imports/adultes-relais', editor, { name: AR_FILE, content });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ rowsRead: rows.length, rejectedCount: 0 });
    // What the first attempt wrote is found unchanged, the rest is created.
    expect(again.body.created + again.body.unchanged).toBe(rows.length);
    expect(again.body.unchanged).toBeGreaterThan(0);
    await logSettled(t.database.db);
    await t.app.get(ReadModels).catchUp();
    const { rows: totals } = await consolidatedTotals(t.app.get(ReadModels).dataSource(LEDGER_REGISTER), ['fiscalYear'], {
      financer: 'etat',
      fundingLine: 'etat-p147',
    });
    const expected = new Map<number, number>();
    for (const r of rows) expected.set(Number(r.annee), (expected.get(Number(r.annee)) ?? 0) + cents(r.montant));
    expect(new Map(totals.map((r) => [Number(r.fiscalYear), r.committed]))).toEqual(expected);
    // Each year's commitment: announced and committed, once.
    const { events } = await t.store.readAll(null, 100_000);
    const byStream = new Map<string, string[]>();
    for (const e of events) if (e.streamName.startsWith('commitment-')) byStream.set(e.streamName, [...(byStream.get(e.streamName) ?? []), e.type]);
    expect(byStream.size).toBe(rows.length);
    for (const types of byStream.values()) expect(types).toEqual(['ledger.CommitmentAnnounced', 'ledger.CommitmentMade']);
    const trail = events.filter((e) => e.streamName === `import-${again.body.importId}`).map((e) => e.type);
    expect(trail).toEqual(['imports.ImportStarted', 'imports.ImportCompleted']);
  });
});

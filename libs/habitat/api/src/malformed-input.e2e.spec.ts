import { type TestApp, type TestResponse, startTestApp } from '@erbm/shared/api/testing';
import { logSettled } from '@erbm/shared/testing';
import { habitatService } from './testing/service';
import { HabitatFixtures } from './testing/fixtures';

/** What a reason for people must not read like: the English of class-validator, Nest or the old messages. */
const ENGLISH = /\b(must|should|property|is required|not a|is a|between|exist|empty|valid)\b/i;

describe('habitat-api: malformed input is a 400 naming every field at fault, in French; 422 is for rules over well-formed values', () => {
  let t: TestApp;
  let f: HabitatFixtures;
  let editor: string;
  beforeAll(async () => {
    t = await startTestApp(habitatService);
    editor = t.token('editor', 'habitat');
    f = new HabitatFixtures(t, editor);
  });
  afterAll(() => t.close());

  /** The head of the log once every event written so far shows in it (see logSettled): it moves only by a write. */
  const head = async () => {
    await logSettled(t.database.db);
    return t.store.head();
  };
  const reasons = (res: TestResponse) => Object.fromEntries((res.body.errors as { field: string; reason: string }[]).map((e) => [e.field, e.reason]));

  /** A 400 problem that names exactly these fields, each once, with a French reason, and writes nothing. */
  async function refused(method: string, path: string, body: unknown, fields: string[]): Promise<TestResponse> {
    const before = await head();
    const res = await t.request(method, path, { token: editor, body });
    expect([res.status, res.contentType?.split(';')[0], res.body.type]).toEqual([
      400,
      'application/problem+json',
      'https://erbm.gouv.fr/problems/invalid-request',
    ]);
    const named = (res.body.errors as { field: string }[]).map((e) => e.field);
    expect(named.sort()).toEqual([...fields].sort());
    expect(res.body.field).toBe(res.body.errors[0].field);
    for (const { reason } of res.body.errors as { reason: string }[]) expect([reason, ENGLISH.test(reason)]).toEqual([reason, false]);
    expect(res.body.title).toBe('Requête invalide');
    expect(await head()).toBe(before);
    return res;
  }

  it('a date that does not exist is malformed, whichever way it is written (2023-02-29 as 31/02/2024)', async () => {
    const iso = await refused('POST', '/habitat/meetings', { body: 'copil', date: '2023-02-29', place: 'Lille' }, ['date']);
    const french = await refused('POST', '/habitat/meetings', { body: 'copil', date: '31/02/2024', place: 'Lille' }, ['date']);
    expect(reasons(iso).date).toBe("n'est pas une date qui existe, écrite aaaa-mm-jj, jj/mm/aaaa ou jj.mm.aaaa");
    expect(reasons(french).date).toBe(reasons(iso).date);
    const { commitmentId } = await f.committed();
    await refused('POST', `/habitat/commitments/${commitmentId}/pay`, { amountCents: 1, kind: 'interim', reference: 'DP', date: '2023-02-29' }, ['date']);
    // The same day in a leap year is a date, and the request goes through.
    expect((await t.request('POST', '/habitat/meetings', { token: editor, body: { body: 'copil', date: '29/02/2024', place: 'Lille' } })).status).toBe(201);
  });

  it('a blank name, or any blank required text, is malformed', async () => {
    const res = await refused(
      'POST',
      '/habitat/operations',
      {
        name: '   ',
        cite: '\t',
        communeInsee: '59178',
        landlord: 'maisons_et_cites',
        dwellingsPlanned: 10,
        energyLabelBefore: 'F',
        energyLabelTarget: 'C',
        date: '2022-10-01',
      },
      ['name', 'cite'],
    );
    expect(reasons(res)).toEqual({ name: 'ne peut pas être vide', cite: 'ne peut pas être vide' });
    const meeting = await f.decision();
    await refused('POST', `/habitat/meetings/${meeting.meetingId}/minutes`, { minutesReference: ' ' }, ['minutesReference']);
  });

  it('names every field at fault at once, whatever the field: texts, dates, amounts, numbers, lists, nested objects, unknown fields', async () => {
    const op = await f.operation();
    const res = await refused(
      'POST',
      `/habitat/operations/${op.id}/commitments`,
      { financer: ' ', fundingLine: 42, amount: '12,345', date: '2023-02-29', fiscalYear: 2023.5, onBehalfOf: 'etat' },
      ['financer', 'fundingLine', 'amount', 'date', 'fiscalYear', 'onBehalfOf'],
    );
    expect(reasons(res)).toEqual({
      financer: 'ne peut pas être vide',
      fundingLine: 'doit être un texte',
      amount: 'doit être un montant en euros, par exemple « 1 234 567,89 » (deux décimales au plus)',
      date: "n'est pas une date qui existe, écrite aaaa-mm-jj, jj/mm/aaaa ou jj.mm.aaaa",
      fiscalYear: 'doit être un nombre entier',
      onBehalfOf: 'champ inconnu : retirez-le',
    });
    const meeting = (await f.ok('POST', '/habitat/meetings', { body: 'copil', date: '2023-01-16', place: 'Lille' })).id;
    const decision = await refused(
      'POST',
      `/habitat/meetings/${meeting}/decisions`,
      { subject: '', outcome: 'maybe', amounts: [{ financer: 'etat', amountCents: -1 }, 'etat', { financer: 'cd59', amountCents: 1, amount: '0,01' }] },
      ['subject', 'outcome', 'amounts[0].amountCents', 'amounts[1]', 'amounts[2].amount'],
    );
    expect(reasons(decision)).toMatchObject({
      'amounts[0].amountCents': 'ne peut pas être négatif',
      'amounts[1]': 'doit être un objet',
      'amounts[2].amount': 'ne se donne pas avec amountCents : donnez l’un ou l’autre',
    });
    const { commitmentId } = await f.committed();
    const commit = await refused(
      'POST',
      `/habitat/commitments/${commitmentId}/commit`,
      { date: '2023-03-01', legalAct: { kind: 'ej', reference: '123', date: '2023-13-01' } },
      ['amountCents', 'legalAct.reference', 'legalAct.date'],
    );
    expect(reasons(commit)).toMatchObject({
      amountCents: 'champ requis : amountCents (centimes) ou amount (euros)',
      'legalAct.reference': 'un numéro d’EJ a 10 chiffres (numéro Chorus)',
    });
  });

  it('a required field left out, a reason included, is malformed, not a broken rule', async () => {
    const { commitmentId, decision } = await f.committed();
    const missing = await refused('POST', `/habitat/commitments/${commitmentId}/programme`, { amountCents: 1 }, ['date', 'decision']);
    expect(reasons(missing)).toEqual({ date: 'champ requis', decision: "champ requis : decision (décision d'une réunion) ou act (acte)" });
    const both = await refused(
      'POST',
      `/habitat/commitments/${commitmentId}/programme`,
      { amountCents: 1, date: '2023-05-01', decision, act: { actId: 'a1' } },
      ['act'],
    );
    expect(reasons(both)).toEqual({ act: 'ne se donne pas avec decision : citez la décision ou l’acte, l’un des deux' });
    const path = (step: string) => `/habitat/commitments/${commitmentId}/${step}`;
    await refused('POST', path('increase'), { amountCents: 1, date: '2023-05-01', decision }, ['reason']);
    await refused('POST', path('reduce'), { amountCents: 1, date: '2023-05-01', reason: '  ' }, ['reason']);
    await refused('POST', path('carry-over'), { toFiscalYear: 2024, date: '2023-12-31' }, ['reason']);
    await refused('POST', path('change-funding-line'), { fundingLine: 'etat-p112-fnadt', date: '2023-12-31' }, ['reason']);
    await refused('POST', path('release'), { amountCents: 1, date: '2023-05-01' }, ['reason']);
    await refused('POST', path('lapse'), { date: '2023-05-01' }, ['reason']);
    await refused('POST', path('correct'), { revision: 2, amountCents: 5, date: '2023-05-01' }, ['reason']);
    const op = await f.operation();
    await refused('PATCH', `/habitat/operations/${op.id}`, { name: 'Nouveau nom', date: '2023-05-01' }, ['reason']);
    // Closing needs no reason: a rule then decides (nothing is left to pay on this one).
    const close = await t.request('POST', path('close'), { token: editor, body: { date: '2023-05-01' } });
    expect([close.status, close.body.rule]).toEqual([422, 'close-with-reste-a-payer']);
  });

  it('money that moves is more than zero; a zero announcement is well formed', async () => {
    const { commitmentId, operationId } = await f.committed();
    const zero = await refused('POST', `/habitat/commitments/${commitmentId}/pay`, { amountCents: 0, kind: 'interim', reference: 'DP', date: '2023-03-01' }, [
      'amountCents',
    ]);
    expect(reasons(zero).amountCents).toBe('doit être supérieur à zéro');
    await refused('POST', `/habitat/commitments/${commitmentId}/order`, { amount: '0,00', reference: 'DP', date: '2023-03-01' }, ['amount']);
    const announced = await t.request('POST', `/habitat/operations/${operationId}/commitments`, {
      token: editor,
      body: { financer: 'cd59', fundingLine: 'cd59-habitat', amountCents: 0, date: '2022-11-01' },
    });
    expect(announced.status).toBe(201);
  });

  it('query parameters too: every one at fault at once, a 30 February included', async () => {
    const op = await f.operation();
    const res = await t.request('GET', `/habitat/operations/${op.id}?asOf=2023-02-30&asKnownAt=hier`, { token: editor });
    expect([res.status, reasons(res)]).toEqual([
      400,
      {
        asOf: "n'est pas une date qui existe, écrite aaaa-mm-jj, jj/mm/aaaa ou jj.mm.aaaa",
        asKnownAt: "n'est pas un instant ISO 8601 qui existe, par exemple 2024-01-16T18:00:00Z",
      },
    ]);
    // V8 reads 2023-02-30 as 2 March: refused rather than answered for another day.
    const { commitmentId } = await f.committed();
    expect((await t.request('GET', `/habitat/commitments/${commitmentId}?asKnownAt=2023-02-30T10:00:00Z`, { token: editor })).status).toBe(400);
    expect((await t.request('GET', `/habitat/commitments/${commitmentId}?asKnownAt=${new Date().toISOString()}`, { token: editor })).status).toBe(200);
  });
});

describe('habitat-api: a body that is not a JSON object is refused for that reason, not as every field missing', () => {
  let t: TestApp;
  let editor: string;
  beforeAll(async () => {
    t = await startTestApp(habitatService);
    editor = t.token('editor', 'habitat');
  });
  afterAll(() => t.close());

  /** A string body gets `text/plain` from fetch unless told otherwise; bytes get no Content-Type at all. */
  const send = (body: string | Uint8Array | undefined, headers: Record<string, string>) =>
    fetch(`${t.baseUrl}/habitat/meetings`, { method: 'POST', headers: { authorization: `Bearer ${editor}`, ...headers }, body }).then(async (res) => ({
      status: res.status,
      contentType: res.headers.get('content-type'),
      body: (await res.json()) as { errors?: { field: string; reason: string }[]; detail?: string; title?: string },
    }));
  const meeting = JSON.stringify({ body: 'copil', date: '2023-01-16', place: 'Lille' });

  it('415 for a body sent as another type, or with no Content-Type, naming the Content-Type', async () => {
    const form = await send('body=copil&date=2023-01-16&place=Lille', { 'content-type': 'application/x-www-form-urlencoded' });
    expect([form.status, form.contentType?.split(';')[0], form.body.errors]).toEqual([
      415,
      'application/problem+json',
      [{ field: 'Content-Type', reason: "application/x-www-form-urlencoded n'est pas application/json" }],
    ]);
    expect(form.body.title).toBe('Type de contenu non pris en charge');
    const text = await send(meeting, { 'content-type': 'text/plain' });
    expect([text.status, text.body.errors?.[0].field]).toEqual([415, 'Content-Type']);
    const none = await send(new TextEncoder().encode(meeting), {});
    expect([none.status, none.body.errors]).toEqual([415, [{ field: 'Content-Type', reason: 'absent : application/json attendu' }]]);
    const latin1 = await send(meeting, { 'content-type': 'application/json; charset=latin1' });
    expect(latin1.status).toBe(415);
    // The same body as JSON is recorded.
    expect((await send(meeting, { 'content-type': 'application/json' })).status).toBe(201);
  });

  it('400 on `body` for no body at all, JSON that is not an object, or text that is not JSON', async () => {
    const empty = await send(undefined, { 'content-type': 'application/json' });
    expect([empty.status, empty.body.errors]).toEqual([400, [{ field: 'body', reason: 'requis : un objet JSON (Content-Type: application/json)' }]]);
    const list = await send('[{"body": "copil"}]', { 'content-type': 'application/json' });
    expect([list.status, list.body.errors]).toEqual([400, [{ field: 'body', reason: 'doit être un objet JSON' }]]);
    const broken = await send('{"body": "copil",', { 'content-type': 'application/json' });
    expect([broken.status, broken.body.title, broken.body.errors]).toEqual([400, 'JSON mal formé', [{ field: 'body', reason: "n'est pas du JSON valide" }]]);
  });
});

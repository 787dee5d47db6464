import { ReadModels } from '@erbm/shared/api';
import { type TestApp, startTestApp } from '@erbm/shared/api/testing';
import { logSettled } from '@erbm/shared/testing';
import { DOMAINS, everyDomain } from '@erbm/domains';

const COMMUNE = '59178';
const ARRONDISSEMENT = '593';

/**
 * What the registry promises of every domain, whatever it is: its operations are registered through its own API, the
 * ledger finances them, and the SGAR's totals and indicators and the auditors' trail know the domain by its plugin.
 */
describe('every registered domain, in the process that serves them all', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp((database) => everyDomain({ projections: { run: false, databaseUrl: database.url }, sgar: true }));
  });
  afterAll(() => t?.close());

  describe.each(DOMAINS.map((domain) => [domain.name, domain] as const))('%s', (name, domain) => {
    const amountCents = 123_456_78;
    let operationId: string;
    let commitmentId: string;

    beforeAll(async () => {
      const editor = t.token('editor', name);
      const body = domain.samples.operationRequest({ name: `Opération ${name}`, communeInsee: COMMUNE, date: '2023-01-10' });
      const registered = await t.request('POST', `/${name}/operations`, { token: editor, body });
      expect([registered.status, registered.headers.get('location')]).toEqual([201, expect.stringMatching(new RegExp(`^/${name}/operations/[^/]+$`))]);
      operationId = (registered.headers.get('location') as string).split('/').pop() as string;
      const announced = await t.request('POST', `/${name}/operations/${operationId}/commitments`, {
        token: editor,
        body: { financer: 'etat', fundingLine: 'etat-p135', amountCents, date: '2023-02-01' },
      });
      expect(announced.status).toBe(201);
      commitmentId = announced.body.id;
      // The read models up to every event written so far (see logSettled).
      await logSettled(t.database.db);
      await t.app.get(ReadModels).catchUp();
    });

    it('puts its commitment in the SGAR totals under its name, in the arrondissement of its operation', async () => {
      const sgar = t.token('sgar');
      const byDomain = await t.request('GET', '/sgar/totals?groupBy=domain', { token: sgar });
      expect(byDomain.body.rows.find((r: { domain: string }) => r.domain === name)).toMatchObject({ commitmentCount: 1, announced: amountCents });
      const placed = await t.request('GET', `/sgar/totals?domain=${name}&groupBy=arrondissement`, { token: sgar });
      expect(placed.body.rows).toEqual([expect.objectContaining({ arrondissement: ARRONDISSEMENT, announced: amountCents })]);
      const behind = await t.request('GET', `/sgar/totals/commitments?domain=${name}`, { token: sgar });
      expect(behind.body.rows.map((r: { id: string; operationId: string }) => [r.id, r.operationId])).toEqual([[commitmentId, operationId]]);
    });

    it('lists its indicators in the SGAR view, each with its definition and unit', async () => {
      const { indicators } = (await t.request('GET', '/sgar/indicators', { token: t.token('sgar') })).body;
      const own = indicators.filter((i: { domain: string }) => i.domain === name);
      expect(own.map((i: { indicator: string }) => i.indicator)).toEqual(domain.indicators.definitions.map((d) => d.code));
      for (const i of own)
        expect(i).toMatchObject({ label: expect.any(String), unit: expect.any(String), definition: expect.any(String), value: expect.any(Number) });
    });

    it("labels its operation's events in French in the auditors' trail", async () => {
      const { history } = (await t.request('GET', `/audit/history/operation/${name}/${operationId}`, { token: t.token('auditor') })).body;
      expect(history.map((e: { type: string }) => e.type)).toContain(`${name}.CommitmentAttached`);
      for (const e of history) expect({ type: e.type, label: e.label }).toEqual({ type: e.type, label: domain.eventLabels[e.type] });
      expect(history.filter((e: { type: string; label: string }) => e.label === e.type)).toEqual([]);
    });
  });
});

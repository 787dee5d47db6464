import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mintLocalToken } from '@erbm/shared/auth';
import { ReadModels, configureHttpApp } from '@erbm/shared/api';
import { eventually } from '@erbm/shared/testing';
import { DOMAINS } from '@erbm/domains';
import { AppModule } from './app.module';

/** What `npm start` does on a bare machine: embedded database in a data folder, demo seeded once, local tokens. */
describe('erbm zero-setup start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'erbm-zero-'));
  const saved = { url: process.env.DATABASE_URL, dir: process.env.ERBM_DATA_DIR, secret: process.env.ERBM_JWT_SECRET };
  let app: INestApplication;
  let baseUrl: string;

  async function start(): Promise<void> {
    app = await NestFactory.create(AppModule, { logger: false, bodyParser: false });
    configureHttpApp(app, { title: 't', description: 't' });
    await app.listen(0, '127.0.0.1');
    // As in startTestApp: no 408 for a request the loaded machine's held loop did not read in time.
    Object.assign(app.getHttpServer(), { keepAliveTimeout: 10 * 60_000, headersTimeout: 0, requestTimeout: 0 });
    baseUrl = await app.getUrl();
  }

  beforeAll(async () => {
    delete process.env.DATABASE_URL;
    delete process.env.ERBM_JWT_SECRET;
    process.env.ERBM_DATA_DIR = dataDir;
    await start();
  });

  afterAll(async () => {
    await app?.close();
    Object.assign(process.env, { ...(saved.url ? { DATABASE_URL: saved.url } : {}), ERBM_DATA_DIR: saved.dir ?? '' });
    if (saved.secret) process.env.ERBM_JWT_SECRET = saved.secret;
    rmSync(dataDir, { recursive: true, force: true });
  });

  const get = async (path: string, token?: string) => {
    const res = await fetch(`${baseUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, body: (await res.json()) as any };
  };

  it('serves every domain on the embedded database, seeded with demo data marked as such, with tokens from the local secret', async () => {
    const health = await get('/health');
    expect(health.body).toMatchObject({ status: 'ok', database: 'embedded' });
    const head = health.body.eventStore.head;
    expect(head).not.toBeNull();

    // The secret the app wrote in its data folder is the one the mint-token tool reads.
    const secret = readFileSync(join(dataDir, 'jwt-secret'), 'utf8').trim();
    const token = mintLocalToken({ secret, role: 'sgar', userId: 'sgar-1', organisation: 'SGAR Hauts-de-France' });
    expect((await get('/sgar/totals/commitments?limit=10000')).status).toBe(401);
    // The projections run in this process: the SGAR's views show the demo once they reach the head of the log.
    await eventually(
      async () => {
        const projections = (await get('/health/projections')).body.projections as { checkpoint: string }[];
        expect(projections.map((p) => p.checkpoint)).toEqual(projections.map(() => head));
      },
      { intervalMs: 100 },
    );
    const register = (await get('/sgar/totals/commitments?limit=10000', token)).body.rows as { domain: string; operationId: string; operationName: string }[];
    const seeded = DOMAINS.filter((d) => d.seedDemo);
    expect(seeded.length).toBeGreaterThan(0);
    for (const domain of seeded) {
      const commitments = register.filter((c) => c.domain === domain.name);
      expect(commitments.length).toBeGreaterThan(0);
      expect(commitments.every((c) => c.operationName.startsWith('[DÉMO]'))).toBe(true);
      // Each operation is served by its domain's API, to a token only, and every fact of it was recorded by the demonstration.
      for (const operationId of new Set(commitments.map((c) => c.operationId))) {
        expect((await get(`/${domain.name}/operations/${operationId}`)).status).toBe(401);
        expect((await get(`/${domain.name}/operations/${operationId}`, token)).status).toBe(200);
        const history = (await get(`/audit/history/operation/${domain.name}/${operationId}`, token)).body.history as { organisation: string }[];
        expect(history.length).toBeGreaterThan(0);
        expect(history.every((h) => h.organisation.includes('DÉMONSTRATION'))).toBe(true);
      }
    }

    // Each domain's indicators, as the SGAR shows them, are those its read model holds; the demo moved some.
    const indicators = (await get('/sgar/indicators', token)).body.indicators as { domain: string; indicator: string; value: number; target: number | null }[];
    for (const domain of DOMAINS) {
      const values = await domain.indicators.read(app.get(ReadModels).dataSource(domain.indicators.projection));
      const sum = (code: string) => values.filter((v) => v.indicator === code).reduce((s, v) => s + v.value, 0);
      expect(indicators.filter((i) => i.domain === domain.name).map((i) => [i.indicator, i.value, i.target])).toEqual(
        domain.indicators.definitions.map((d) => [d.code, sum(d.code), d.target]),
      );
    }
    expect(indicators.some((i) => i.value > 0)).toBe(true);
  });

  it('does not seed again on the next start', async () => {
    const head = (await get('/health')).body.eventStore.head;
    await app.close();
    await start();
    expect((await get('/health')).body.eventStore.head).toBe(head);
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mintLocalToken } from '@erbm/shared/auth';
import { configureHttpApp } from '@erbm/shared/api';
import { eventually } from '@erbm/shared/testing';
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

  it('serves the API on the embedded database, seeded with demo data marked as such, with tokens from the local secret', async () => {
    const health = await get('/health');
    expect(health.body).toMatchObject({ status: 'ok', database: 'embedded' });
    expect(health.body.eventStore.head).not.toBeNull();

    // The secret the app wrote in its data folder is the one the mint-token tool reads.
    const secret = readFileSync(join(dataDir, 'jwt-secret'), 'utf8').trim();
    const token = mintLocalToken({ secret, role: 'sgar', userId: 'sgar-1', organisation: 'SGAR Hauts-de-France' });
    expect((await get('/habitat/operations')).status).toBe(401);
    // The list comes from the read models, which the process's projector fills right after the seed.
    const list = await eventually(async () => {
      const res = await get('/habitat/operations', token);
      expect([res.status, res.body.operations.length >= 4]).toEqual([200, true]);
      return res;
    });
    const operations = list.body.operations as { name: string; arrondissement: string; commitments: number; recordedBy: { organisation: string } }[];
    expect(operations.length).toBeGreaterThanOrEqual(4);
    expect(operations.every((o) => o.name.startsWith('[DÉMO]') && o.recordedBy.organisation.includes('DÉMONSTRATION'))).toBe(true);
    expect(new Set(operations.map((o) => o.arrondissement))).toEqual(new Set(['622', '625', '593', '596']));
    expect(operations.every((o) => o.commitments >= 3)).toBe(true);

    const indicators = await get('/habitat/indicators?asOf=31/12/2022', token);
    expect(indicators.body.indicators.find((i: { code: string }) => i.code === 'dwellings-delivered')).toMatchObject({ value: 60 + 70 + 40 + 140, target: 23_000 });
  });

  it('does not seed again on the next start', async () => {
    const head = (await get('/health')).body.eventStore.head;
    await app.close();
    await start();
    expect((await get('/health')).body.eventStore.head).toBe(head);
  });
});

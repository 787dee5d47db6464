import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DOMAINS, allProjections } from '@erbm/domains';
import { mintLocalToken } from '@erbm/shared/auth';
import { configureHttpApp } from '@erbm/shared/api';
import { PostgresEventStore } from '@erbm/shared/event-store';
import { openTestDatabase, type TestDatabase } from '@erbm/shared/event-store/testing';
import { ProjectionRunner, openReadModelDataSource } from '@erbm/shared/projections';
import { type TcpProxy, eventually, startTcpProxy } from '@erbm/shared/testing';
import { AppModule } from './app.module';

const [domain] = DOMAINS;
const secret = randomBytes(32).toString('hex');
const editor = mintLocalToken({ secret, role: 'editor', domain: domain.name, userId: 'outage-test', organisation: 'Tests' });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Answer = { status: number; headers: Headers; body: any };

/** The all-in-one process as `npm start` builds it (projections in-process, exclusive on a server), on the environment given. */
class AllInOne {
  private app?: INestApplication;
  private baseUrl = '';
  private readonly saved: Record<string, string | undefined> = {};

  constructor(private readonly env: Record<string, string | undefined>) {}

  async start(): Promise<void> {
    for (const [name, value] of Object.entries(this.env)) {
      this.saved[name] = process.env[name];
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    this.app = await NestFactory.create(AppModule, { logger: false, bodyParser: false });
    configureHttpApp(this.app, { title: 't', description: 't' });
    await this.app.listen(0, '127.0.0.1');
    // As in startTestApp: the server must not close an idle connection just as the client reuses it (ECONNRESET).
    this.app.getHttpServer().keepAliveTimeout = 10 * 60_000;
    this.baseUrl = (await this.app.getUrl()).replace('[::1]', '127.0.0.1');
  }

  async stop(): Promise<void> {
    await this.app?.close();
    for (const [name, value] of Object.entries(this.saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }

  async request(method: string, path: string, body?: unknown): Promise<Answer> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${editor}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  }
}

const operation = (name: string) => domain.samples.operationRequest({ name, communeInsee: '59178', date: '2022-10-01' });
const projectionNames = allProjections()
  .map((p) => p.name)
  .sort();

if (process.env.DATABASE_URL)
  describe('the all-in-one process while its PostgreSQL server cannot be reached (a proxy in front of the server, cut then restored)', () => {
    let database: TestDatabase;
    let proxy: TcpProxy;
    let erbm: AllInOne;
    const projector: ProjectionRunner[] = [];
    const events = async () => Number((await database.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM event_store.events`))[0].n);

    beforeAll(async () => {
      database = await openTestDatabase();
      const server = new URL(database.url as string);
      proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
      const throughProxy = new URL(server);
      throughProxy.port = String(proxy.port);
      erbm = new AllInOne({
        DATABASE_URL: throughProxy.toString(),
        ERBM_DATA_DIR: undefined,
        ERBM_JWT_SECRET: secret,
        ERBM_DEMO_SEED: 'false',
        ERBM_RUN_PROJECTIONS: undefined,
        ERBM_EVENT_STORE: undefined,
      });
      await erbm.start();
    }, 120_000);

    afterAll(async () => {
      await proxy?.restore();
      for (const runner of projector) {
        await runner.stop();
        await runner.dataSource.destroy();
      }
      await erbm?.stop();
      await proxy?.close();
      await database?.drop();
    });

    const leaders = async () => {
      const ready = await erbm.request('GET', '/health/ready');
      expect(ready.status).toBe(200);
      return (ready.body.details.projections.projections as { projection: string; runsHere: string }[])
        .map((p) => [p.projection, p.runsHere])
        .sort(([a], [b]) => a.localeCompare(b));
    };

    it('answers 503 with Retry-After naming the database, reports it not ready, then serves the same requests once it is back, with nothing half-written', async () => {
      const before = await erbm.request('POST', `/${domain.name}/operations`, operation('Opération avant la panne'));
      expect(before.status).toBe(201);
      const existing = before.body.id as string;
      // The projections run here, alone: each takes its lock.
      await eventually(async () => expect(await leaders()).toEqual(projectionNames.map((name) => [name, 'leader'])), { timeoutMs: 60_000, intervalMs: 100 });
      const written = await events();

      await proxy.cut();
      const write = await erbm.request('POST', `/${domain.name}/operations`, operation('Opération pendant la panne'));
      const read = await erbm.request('GET', `/${domain.name}/operations/${existing}`);
      for (const answer of [write, read]) {
        expect([answer.status, answer.headers.get('content-type'), answer.headers.get('retry-after')]).toEqual([
          503,
          'application/problem+json; charset=utf-8',
          '5',
        ]);
        expect(answer.body).toMatchObject({ type: 'https://erbm.gouv.fr/problems/database-unavailable', status: 503, dependency: 'database' });
        expect(answer.body.detail).toMatch(/^La base de données est injoignable/);
      }
      const ready = await erbm.request('GET', '/health/ready');
      expect([ready.status, ready.headers.get('content-type'), ready.headers.get('retry-after')]).toEqual([
        503,
        'application/problem+json; charset=utf-8',
        '5',
      ]);
      expect(ready.body.down).toContain('database');
      expect(ready.body.details.database).toEqual({ status: 'down', message: 'injoignable', responseTime: expect.any(Number) });
      expect(ready.body.detail).toMatch(/la base de données/);
      expect((await erbm.request('GET', '/health/live')).status).toBe(200);

      await proxy.restore();
      // No restart: the pools open new connections, and the projections take their locks again (nobody else holds them).
      await eventually(async () => expect(await leaders()).toEqual(projectionNames.map((name) => [name, 'leader'])), { timeoutMs: 60_000, intervalMs: 200 });
      expect(await events()).toBe(written);
      const again = await erbm.request('POST', `/${domain.name}/operations`, operation('Opération pendant la panne'));
      expect(again.status).toBe(201);
      expect((await erbm.request('GET', `/${domain.name}/operations/${again.body.id}`)).status).toBe(200);
      expect((await erbm.request('GET', `/${domain.name}/operations/${existing}`)).status).toBe(200);
      // And the projections follow the log again.
      await eventually(
        async () => {
          const { body } = await erbm.request('GET', '/health/projections');
          const head = (await erbm.request('GET', '/health')).body.eventStore.head;
          expect(body.projections.map((p: { checkpoint: string }) => p.checkpoint)).toEqual(body.projections.map(() => head));
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      );
    }, 240_000);

    it('a projector beside it takes the projections over while it cannot reach the database; back, it stands by and the projector keeps them', async () => {
      // A projector process on the same server, reaching it directly: on standby while the all-in-one process leads.
      const store = new PostgresEventStore(database.db);
      for (const p of allProjections()) {
        const dataSource = await openReadModelDataSource({
          db: database.db,
          databaseUrl: database.url,
          schema: p.schema,
          entities: p.entities,
          migrations: p.migrations,
        });
        const runner = new ProjectionRunner(p, store, dataSource, { exclusive: true });
        projector.push(runner);
        runner.start();
      }
      expect(await leaders()).toEqual(projectionNames.map((name) => [name, 'leader']));
      expect(projector.map((r) => r.leader)).toEqual(projector.map(() => false));

      await proxy.cut();
      await eventually(() => expect(projector.map((r) => r.leader)).toEqual(projector.map(() => true)), { timeoutMs: 60_000, intervalMs: 100 });
      await proxy.restore();
      await eventually(async () => expect(await leaders()).toEqual(projectionNames.map((name) => [name, 'standby'])), { timeoutMs: 60_000, intervalMs: 200 });

      const after = await erbm.request('POST', `/${domain.name}/operations`, operation('Opération après la reprise'));
      expect(after.status).toBe(201);
      const head = await store.head();
      await eventually(async () => expect(await Promise.all(projector.map((r) => r.checkpoint()))).toEqual(projector.map(() => head)), {
        timeoutMs: 60_000,
        intervalMs: 100,
      });
      // Still one leader per projection: the projector.
      expect([projector.map((r) => r.leader), await leaders()]).toEqual([projector.map(() => true), projectionNames.map((name) => [name, 'standby'])]);
    }, 240_000);
  });
else
  describe('the all-in-one process on the embedded database: liveness and readiness', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'erbm-ready-'));
    const erbm = new AllInOne({
      DATABASE_URL: undefined,
      ERBM_DATA_DIR: dataDir,
      ERBM_JWT_SECRET: secret,
      ERBM_DEMO_SEED: 'false',
      ERBM_EVENT_STORE: undefined,
    });

    beforeAll(() => erbm.start(), 120_000);
    afterAll(async () => {
      await erbm.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('is live, and ready with every dependency named: the embedded database, the event store, each projection it runs', async () => {
      expect(await erbm.request('GET', '/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
      const ready = await erbm.request('GET', '/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({
        status: 'ok',
        details: { database: { status: 'up', mode: 'embedded' }, eventStore: { status: 'up', kind: 'postgresql' }, projections: { status: 'up' } },
      });
      const projections = ready.body.details.projections.projections as { projection: string; runsHere: string; lagEvents: number }[];
      // One process on the embedded database: it leads every projection, with no lock to take.
      expect(projections.map((p) => [p.projection, p.runsHere, typeof p.lagEvents]).sort(([a], [b]) => a.localeCompare(b))).toEqual(
        projectionNames.map((name) => [name, 'leader', 'number']),
      );
      // The older route keeps its shape.
      expect((await erbm.request('GET', '/health')).body).toMatchObject({ status: 'ok', database: 'embedded', eventStore: { kind: 'postgresql' } });
    });
  });

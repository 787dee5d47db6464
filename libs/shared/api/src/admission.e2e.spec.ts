import { randomBytes } from 'node:crypto';
import { Controller, type INestApplication, Inject, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type EmbeddedLease, PostgresEventStore, type SqlDatabase, isEmbedded, migrateEventStore, openSqlDatabase } from '@erbm/shared/event-store';
import { DEFAULT_MAX_REQUESTS, DEFAULT_TARGET_MS, MAX_REQUESTS_ENV, RequestAdmission, TARGET_MS_ENV, maxRequestsFromEnv, targetMsFromEnv } from './admission';
import { AuthModule, Public } from './auth/auth';
import { EventStoreModule, SQL_DATABASE } from './event-store.module';
import { HttpApiModule, configureHttpApp } from './http-api.module';

/** Waits for a condition, within a generous bound (@erbm/shared/testing depends on this library: not imported here). */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`still not ${what} after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A write that needs the database, as every route of the API does. */
@Controller('probe')
class ProbeController {
  constructor(@Inject(SQL_DATABASE) private readonly db: SqlDatabase) {}

  @Post()
  @Public()
  async probe() {
    const [row] = await this.db.query<{ one: number }>('SELECT 1 AS one');
    return row;
  }
}

/**
 * The embedded database (whatever DATABASE_URL says: the limit is its own) with room for one request at a time. The
 * test holds the single connection itself, so a request let in waits, deterministically, until it is released.
 */
describe('admission control on the embedded database', () => {
  let db: SqlDatabase & { lease(): Promise<EmbeddedLease> };
  let app: INestApplication;
  let baseUrl: string;
  const saved = process.env[MAX_REQUESTS_ENV];

  beforeAll(async () => {
    process.env[MAX_REQUESTS_ENV] = '1';
    const opened = await openSqlDatabase({ dataDir: 'memory://' });
    if (!isEmbedded(opened)) throw new Error('the embedded database was expected');
    db = opened;
    await migrateEventStore(db);

    @Module({
      imports: [EventStoreModule.forStore(new PostgresEventStore(db)), AuthModule.forRoot({ jwtSecret: randomBytes(32).toString('hex') }), HttpApiModule],
      controllers: [ProbeController],
    })
    class ProbeModule {}

    app = await NestFactory.create(ProbeModule, { logger: ['error'], bodyParser: false });
    configureHttpApp(app, { title: 'test', description: 'test' });
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    if (saved === undefined) delete process.env[MAX_REQUESTS_ENV];
    else process.env[MAX_REQUESTS_ENV] = saved;
    await app?.close();
    await db?.close();
  });

  const probe = () => fetch(`${baseUrl}/probe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });

  it('refuses a request beyond the limit at once with 503, Retry-After and a problem in French, having done nothing', async () => {
    const admission = app.get(RequestAdmission);
    expect(admission.policy?.limit).toBe(1);
    const held = await db.lease();
    let first: Promise<Response> | undefined;
    try {
      first = probe();
      await until(() => admission.inFlight === 1, 'let in');

      // Answered while the connection is still held: the refused request never reached the database.
      const refused = await probe();
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await refused.json()).toEqual({
        type: 'https://erbm.gouv.fr/problems/busy',
        title: 'Server busy',
        status: 503,
        detail: expect.stringContaining('réessayez dans 1 s'),
        instance: '/probe',
        inProgress: 1,
      });
      // Probes are not counted: they answer under load.
      const docs = await fetch(`${baseUrl}/docs-json`);
      expect(docs.status).toBe(200);
    } finally {
      held.release();
    }
    const answered = await first;
    expect([answered?.status, await answered?.json()]).toEqual([201, { one: 1 }]);

    // The answer freed its place: the next request is let in.
    await until(() => admission.inFlight === 0, 'answered');
    expect((await probe()).status).toBe(201);
  });

  it('reads its cap and its target from the environment (0 turns admission off; anything else is refused at start), none on a server', () => {
    expect(new RequestAdmission({ mode: 'server' } as SqlDatabase).policy).toBeUndefined();
    expect([maxRequestsFromEnv({}), targetMsFromEnv({})]).toEqual([DEFAULT_MAX_REQUESTS, DEFAULT_TARGET_MS]);
    expect([maxRequestsFromEnv({ [MAX_REQUESTS_ENV]: '40' }), targetMsFromEnv({ [TARGET_MS_ENV]: '250' })]).toEqual([40, 250]);
    expect(maxRequestsFromEnv({ [MAX_REQUESTS_ENV]: '0' })).toBeUndefined();
    expect(() => maxRequestsFromEnv({ [MAX_REQUESTS_ENV]: 'beaucoup' })).toThrow(MAX_REQUESTS_ENV);
    expect(() => targetMsFromEnv({ [TARGET_MS_ENV]: '-1' })).toThrow(TARGET_MS_ENV);
  });
});

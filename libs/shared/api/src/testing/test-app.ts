import { randomBytes } from 'node:crypto';
import { type DynamicModule, type INestApplication, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type Domain, type Role, mintLocalToken } from '@erbm/shared/auth';
import { PostgresEventStore, type SqlDatabase, migrateEventStore } from '@erbm/shared/event-store';
import { openTestDatabase, type TestDatabase } from '@erbm/shared/event-store/testing';
import { AuthModule } from '../auth/auth';
import { EventStoreModule } from '../event-store.module';
import { HttpApiModule, configureHttpApp } from '../http-api.module';

/** Tests read answers field by field; typing every response body would only restate the API. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface TestResponse<T = Json> {
  status: number;
  headers: Headers;
  body: T;
  contentType: string | null;
}

export interface RequestOptions {
  token?: string | null;
  body?: unknown;
  /** Sent as is, for malformed-JSON and size tests. */
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface TestApp {
  app: INestApplication;
  store: PostgresEventStore;
  database: TestDatabase;
  baseUrl: string;
  token(role: Role, domain?: Domain, extra?: { userId?: string; organisation?: string; party?: string; arrondissement?: string }): string;
  request<T = Json>(method: string, path: string, options?: RequestOptions): Promise<TestResponse<T>>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** The event store over the test database, for a test that needs to interleave real writes with a request's. */
  store?: (db: SqlDatabase) => PostgresEventStore;
}

/**
 * The real HTTP stack on a fresh real database (a new PostgreSQL database when DATABASE_URL is set, an in-memory
 * PGlite otherwise), with local HS256 tokens for every role.
 */
export async function startTestApp(
  feature: Type<unknown> | ((database: TestDatabase) => (Type<unknown> | DynamicModule)[]),
  options: TestAppOptions = {},
): Promise<TestApp> {
  const database = await openTestDatabase();
  const features =
    typeof feature === 'function' && !isModuleClass(feature)
      ? (feature as (d: TestDatabase) => (Type<unknown> | DynamicModule)[])(database)
      : [feature as Type<unknown>];
  await migrateEventStore(database.db);
  const store = options.store ? options.store(database.db) : new PostgresEventStore(database.db);
  const secret = randomBytes(32).toString('hex');

  @Module({ imports: [EventStoreModule.forStore(store), AuthModule.forRoot({ jwtSecret: secret }), HttpApiModule, ...features] })
  class TestRootModule {}

  const app = await NestFactory.create(TestRootModule, { logger: ['error'], bodyParser: false });
  configureHttpApp(app, { title: 'test', description: 'test' });
  await app.listen(0, '127.0.0.1');
  // Work on the embedded database holds the event loop, past Node's 5-second keep-alive: the server would then close an
  // idle connection just as the next request reuses it (ECONNRESET). The client closes its idle connections itself.
  const server = app.getHttpServer();
  server.keepAliveTimeout = 10 * 60_000;
  // Node also answers 408 and closes a connection whose request it has not read within 60 s of accepting it (checked
  // every 30 s): on a loaded machine the held loop is the server's own, not a slow client. Jest's timeout bounds a test.
  server.headersTimeout = 0;
  server.requestTimeout = 0;
  const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const token: TestApp['token'] = (role, domain, extra = {}) =>
    mintLocalToken({
      secret,
      role,
      domain,
      userId: extra.userId ?? `test-${role}${domain ? `-${domain}` : ''}`,
      organisation: extra.organisation ?? 'Test organisation',
      party: extra.party,
      arrondissement: extra.arrondissement,
    });
  const admin = token('admin');
  return {
    app,
    store,
    database,
    baseUrl,
    token,
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      const auth = options.token === undefined ? admin : options.token;
      if (auth) headers.authorization = `Bearer ${auth}`;
      let body: string | undefined;
      if (options.rawBody !== undefined || options.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = options.rawBody ?? JSON.stringify(options.body);
      }
      const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
      const text = await response.text();
      const contentType = response.headers.get('content-type');
      return { status: response.status, headers: response.headers, contentType, body: text && contentType?.includes('json') ? JSON.parse(text) : text };
    },
    async close() {
      await app.close();
      await database.drop();
    },
  };
}

/** A Nest module class carries @Module metadata; a factory of modules does not. */
function isModuleClass(value: unknown): value is Type<unknown> {
  return typeof value === 'function' && Reflect.getMetadataKeys(value).length > 0;
}

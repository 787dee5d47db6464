import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { Client } from 'pg';
import { EventStoreDbEventStore } from './eventstoredb/eventstoredb-event-store';
import { openSqlDatabase } from './postgres/sql-database';
import { startTcpProxy } from './testing/tcp-proxy';
import { openTestDatabase } from './testing/test-database';
import { unreachableStore } from './unavailable';

/** A local port nothing listens on. */
const closedPort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

/** A port that accepts connections and never answers, as a host that drops packets after the handshake. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

describe('errors that mean "the store cannot be reached now", as the drivers raise them', () => {
  it('a PostgreSQL server that refuses connections', async () => {
    const db = await openSqlDatabase({ databaseUrl: `postgres://postgres@127.0.0.1:${await closedPort()}/none` });
    try {
      expect(unreachableStore(await rejection(db.query('SELECT 1')))).toBe('database');
      expect(unreachableStore(await rejection(db.transaction((tx) => tx.query('SELECT 1'))))).toBe('database');
    } finally {
      await db.close();
    }
  });

  it('a server that accepts and never answers: the query fails within the default connect timeout instead of hanging', async () => {
    const silent = await silentServer();
    const db = await openSqlDatabase({ databaseUrl: `postgres://postgres@127.0.0.1:${silent.port}/none` });
    try {
      expect(unreachableStore(await rejection(db.query('SELECT 1')))).toBe('database');
    } finally {
      await db.close();
      await silent.close();
    }
  });

  it('an EventStoreDB that cannot be reached', async () => {
    const store = new EventStoreDbEventStore(`esdb://127.0.0.1:${await closedPort()}?tls=false`);
    try {
      expect(unreachableStore(await rejection(store.head()))).toBe('eventStore');
    } finally {
      await store.close();
    }
  });

  it('an EventStoreDB cluster whose discovery finds no node', async () => {
    const store = new EventStoreDbEventStore(`esdb+discover://127.0.0.1:${await closedPort()}?tls=false&maxDiscoverAttempts=2&discoveryInterval=10`);
    try {
      const error = await rejection(store.head());
      expect(error).toMatchObject({ message: 'Failed to discover after 2 attempts.' });
      expect(unreachableStore(error)).toBe('eventStore');
    } finally {
      await store.close();
    }
  });

  it('not a query the database refused: a syntax error, a broken constraint, an error of the code', async () => {
    const database = await openTestDatabase();
    try {
      await database.db.query(`CREATE TABLE once (id int PRIMARY KEY)`);
      await database.db.query(`INSERT INTO once VALUES (1)`);
      expect(unreachableStore(await rejection(database.db.query('SELEKT 1')))).toBeUndefined();
      expect(unreachableStore(await rejection(database.db.query(`INSERT INTO once VALUES (1)`)))).toBeUndefined();
      expect(unreachableStore(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBeUndefined();
    } finally {
      await database.drop();
    }
  });
});

// Cutting a connection or ending a session needs a server; the embedded database has neither.
if (process.env.DATABASE_URL)
  describe('a PostgreSQL server lost in the middle of the work (PostgreSQL server)', () => {
    it("a session ended by the server (pg_terminate_backend, a restart): 57P01, and the pool's next query reconnects", async () => {
      const database = await openTestDatabase();
      const admin = new Client({ connectionString: database.url });
      await admin.connect();
      try {
        const failed = rejection(
          database.db.transaction(async (tx) => {
            const [{ pid }] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
            await admin.query('SELECT pg_terminate_backend($1)', [pid]);
            await tx.query('SELECT 1');
          }),
        );
        expect(unreachableStore(await failed)).toBe('database');
        expect(await database.db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      } finally {
        await admin.end();
        await database.drop();
      }
    });

    it('a connection cut while a transaction waits between two statements: the transaction fails as unreachable, the process goes on', async () => {
      const database = await openTestDatabase();
      const server = new URL(database.url as string);
      const proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
      const throughProxy = new URL(server);
      throughProxy.port = String(proxy.port);
      const db = await openSqlDatabase({ databaseUrl: throughProxy.toString() });
      try {
        await db.query('CREATE TABLE written (id int)');
        let inside!: () => void;
        const entered = new Promise<void>((resolve) => (inside = resolve));
        let cut!: () => void;
        const afterCut = new Promise<void>((resolve) => (cut = resolve));
        const failed = rejection(
          db.transaction(async (tx) => {
            await tx.query('INSERT INTO written VALUES (1)');
            inside();
            await afterCut;
            await tx.query('INSERT INTO written VALUES (2)');
          }),
        );
        await entered;
        await proxy.cut();
        cut();
        expect(unreachableStore(await failed)).toBe('database');
        await proxy.restore();
        expect(await db.query('SELECT count(*)::int AS n FROM written')).toEqual([{ n: 0 }]);
      } finally {
        await db.close();
        await proxy.close();
        await database.drop();
      }
    });
  });

import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { openSqlDatabase, type SqlDatabase } from '../index';

export interface TestDatabase {
  db: SqlDatabase;
  /** Connection string of the fresh server database, or undefined on the embedded database. */
  url: string | undefined;
  /** Human-readable: which real database the tests run on. */
  label: string;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database for one test file: a new database on the PostgreSQL server named by DATABASE_URL, or an
 * in-memory PGlite when DATABASE_URL is not set. CI runs the whole suite once each way.
 */
export async function openTestDatabase(prefix = 'erbm_test'): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const db = await openSqlDatabase({ dataDir: 'memory://' });
    return { db, url: undefined, label: 'PGlite (embedded)', drop: () => db.close() };
  }
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = await openSqlDatabase({ databaseUrl: url.toString(), poolSize: 20 });
  return {
    db,
    url: url.toString(),
    label: `PostgreSQL server (${name})`,
    async drop() {
      await db.close();
      const cleanup = new Client({ connectionString: serverUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

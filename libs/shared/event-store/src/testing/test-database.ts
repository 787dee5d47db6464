import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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
    const db = await openSqlDatabase({ dataDir: 'memory://', loadDataDir: await emptyDataDir() });
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

/**
 * The data folder of an empty embedded database, as PGlite dumps it: a new in-memory database loads it in a fraction of
 * the time PGlite takes to create one (its initdb), and is as empty. Made once per PGlite version and machine, in the
 * temporary folder, shared by the test files (each runs in its own module registry); written whole or not at all.
 */
async function emptyDataDir(): Promise<Blob> {
  const { PGlite } = require('@electric-sql/pglite') as typeof import('@electric-sql/pglite');
  const path = join(tmpdir(), `erbm-pglite-${pgliteVersion()}-empty.tar`);
  if (existsSync(path)) return new Blob([readFileSync(path)]);
  const fresh = new PGlite('memory://');
  try {
    await fresh.waitReady;
    const dump = await fresh.dumpDataDir('none');
    const partial = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, path);
    return dump;
  } finally {
    await fresh.close();
  }
}

/** The installed PGlite's version (its package does not export its package.json). */
function pgliteVersion(): string {
  for (let dir = dirname(require.resolve('@electric-sql/pglite')); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === '@electric-sql/pglite' && pkg.version) return pkg.version;
  }
  throw new Error('@electric-sql/pglite: no package.json found above its entry point');
}

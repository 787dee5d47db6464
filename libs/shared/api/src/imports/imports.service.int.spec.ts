import { createHash } from 'node:crypto';
import type { ModuleRef } from '@nestjs/core';
import { PostgresEventStore, type StoredEvent, migrateEventStore } from '@erbm/shared/event-store';
import { type TestDatabase, openTestDatabase } from '@erbm/shared/event-store/testing';
import { fixedClock } from '@erbm/shared/kernel';
import type { CommandContext } from '../command-context';
import type { DomainPlugin } from '../domains/domain-plugin.types';
import { ProblemException } from '../problem-details';
import { IMPORTS_INDEX_STREAM, ImportsService, importStreamName } from './imports.service';
import { TestItemsImportSource } from './testing';

const ctx: CommandContext = { principal: { userId: 'ana', role: 'editor', domain: 'test', organisation: 'DDTM 62' }, correlationId: 'corr-1' };

describe('ImportsService: an import is recorded once, cites itself on every event, resumes after a crash', () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  let source: TestItemsImportSource;
  let imports: ImportsService;
  let since: string | null;
  let FILE: { fileName: string; content: Buffer };
  let test = 0;
  /** What this test wrote: the log after where it stood when the test began. */
  const all = async (): Promise<StoredEvent[]> => (await store.readAll(since, 10_000)).events;

  beforeAll(async () => {
    database = await openTestDatabase();
    await migrateEventStore(database.db);
    store = new PostgresEventStore(database.db);
  });
  afterAll(() => database?.drop());
  beforeEach(async () => {
    // Each test its own file, hence its own import and its own items.
    test++;
    FILE = { fileName: 'valeurs.csv', content: Buffer.from(`clé;valeur\n${test}a;1\n${test}b;2\n${test}c;\n`) };
    since = await store.head();
    source = new TestItemsImportSource();
    const domains = [{ name: 'test', imports: [TestItemsImportSource] }, { name: 'other' }] as unknown as DomainPlugin[];
    const moduleRef = { get: () => source } as unknown as ModuleRef;
    imports = new ImportsService(store, domains, moduleRef, fixedClock('2024-03-14T09:00:00Z'));
  });

  it('records Started, the differences, then Completed; the same bytes again write nothing and answer the stored report', async () => {
    const report = await imports.run('test', 'test-items', FILE, ctx);
    expect(report).toMatchObject({
      source: 'test-items',
      domain: 'test',
      fileName: 'valeurs.csv',
      dryRun: false,
      alreadyImported: false,
      rowsRead: 3,
      created: 2,
      unchanged: 0,
      changed: 0,
      rejected: [{ row: 4, field: 'value', reason: 'valeur absente' }],
      rejectedCount: 1,
      eventsWritten: 2,
      extractedOn: '2024-01-31',
      importedBy: 'ana',
    });
    const events = await all();
    expect(events.map((e) => `${e.streamName} ${e.type}`)).toEqual([
      `${importStreamName(report.importId)} imports.ImportStarted`,
      `${IMPORTS_INDEX_STREAM} imports.ImportListed`,
      `test-item-${test}a test.ItemValued`,
      `test-item-${test}b test.ItemValued`,
      `${importStreamName(report.importId)} imports.ImportCompleted`,
    ]);
    const written = events[2];
    expect(written.envelope).toEqual({
      actor: { userId: 'ana', role: 'editor', organisation: 'DDTM 62' },
      occurredAt: '2024-03-14',
      reason: 'Import de valeurs.csv',
      sourceDocument: { kind: 'import', reference: report.importId, sha256: report.sha256 },
      correlationId: 'corr-1',
    });
    expect(report.sha256).toBe(createHash('sha256').update(FILE.content).digest('hex'));

    const again = await imports.run('test', 'test-items', { ...FILE, fileName: 'renamed.csv' }, { ...ctx, principal: { ...ctx.principal, userId: 'bob' } });
    expect(await all()).toHaveLength(events.length);
    expect(again).toMatchObject({ importId: report.importId, alreadyImported: true, fileName: 'valeurs.csv', importedBy: 'ana', created: 2, eventsWritten: 2 });
    expect(again.importedAt).toBe(events[4].recordedAt);
  });

  it('a dry run writes nothing at all, not even Started, and reports what it would write', async () => {
    const report = await imports.run('test', 'test-items', FILE, ctx, { dryRun: true });
    expect(report).toMatchObject({ dryRun: true, alreadyImported: false, created: 2, eventsWritten: 2, rejectedCount: 1 });
    expect(report.importedAt).toBeUndefined();
    expect(await all()).toEqual([]);
  });

  it('a crash after Started leaves the import started; the rerun completes it without writing anything twice', async () => {
    source.failAfterWrites = 1;
    await expect(imports.run('test', 'test-items', FILE, ctx)).rejects.toThrow('crash');
    const afterCrash = await all();
    expect(afterCrash.map((e) => e.type)).toEqual(['imports.ImportStarted', 'imports.ImportListed', 'test.ItemValued']);
    source.failAfterWrites = undefined;
    const report = await imports.run('test', 'test-items', FILE, ctx);
    expect(report).toMatchObject({ alreadyImported: false, created: 1, unchanged: 1, eventsWritten: 1 });
    const events = await all();
    expect(events.filter((e) => e.type === 'imports.ImportStarted')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'imports.ImportListed')).toHaveLength(1);
    expect(events.filter((e) => e.streamName === `test-item-${test}a`)).toHaveLength(1);
    expect(events.filter((e) => e.streamName === `test-item-${test}b`)).toHaveLength(1);
    expect(events.at(-1)?.type).toBe('imports.ImportCompleted');
  });

  it('refuses an unknown source, a source of another domain (404) and a file of another kind (422 on file)', async () => {
    const status = async (run: Promise<unknown>) =>
      run.then(
        () => 'no error',
        (e) => (e instanceof ProblemException ? `${e.problem.status} ${String(e.problem.detail)}` : `${e.rule} ${e.field}`),
      );
    expect(await status(imports.run('test', 'nowhere', FILE, ctx))).toMatch(/^404 Aucune source d'import « nowhere ».*test-items/);
    expect(await status(imports.run('other', 'test-items', FILE, ctx))).toMatch(/^404 /);
    expect(await status(imports.run('test', 'test-items', { ...FILE, fileName: 'valeurs.xlsx' }, ctx))).toBe('import-file-extension file');
    expect(await all()).toEqual([]);
  });
});

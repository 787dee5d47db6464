import { parseArgs } from 'node:util';
import {
  DataFolderInUseError,
  type EventStore,
  EventStoreDbEventStore,
  PostgresEventStore,
  type SqlDatabase,
  openSqlDatabase,
  verifyEventLog,
} from '@erbm/shared/event-store';
import { ConfigurationError, eventStoreConfigFromEnv } from '@erbm/shared/api';
import { type ReadModelsReport, verifyReadModels } from '@erbm/shared/projections';
import { allProjections } from '@erbm/domains';

const USAGE = `usage: npm run verify -- [--digest <hex>] [--replay] [--json]
Recomputes every stream's hash chain and every seal of the event log (EventStoreDB with ERBM_EVENT_STORE=eventstoredb,
otherwise DATABASE_URL or the embedded database), then
checks the read models: every total equals the sum of the rows behind it, every column what it is made from.
--digest: a seal digest kept outside the system; the log must still hold a seal with it, and match it.
--replay: also replays the whole log into shadow tables, up to where the live read models stand, and compares them
          row by row with the live ones (names the first row that differs); the shadow tables are dropped afterwards.
Exit code 0 when everything matches, 1 when something does not (the first event or row that does not match is named).`;

interface LogSection {
  ok: boolean;
  /** The answer of --json, without the read models. */
  json: Record<string, unknown>;
  lines: string[];
}

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: { digest: { type: 'string' }, replay: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
    }).values;
  } catch (error) {
    process.stderr.write(`verify: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.digest !== undefined && !/^[0-9a-fA-F]{64}$/.test(args.digest)) {
    process.stderr.write(`verify: --digest is 64 hexadecimal digits\n${USAGE}\n`);
    return 2;
  }
  const config = eventStoreConfigFromEnv();
  // The read models are in PostgreSQL (or the embedded database) whichever store keeps the log.
  const db = await openSqlDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    instead: "Pour vérifier le journal, appelez GET /audit/verify sur le serveur en marche (rôle auditor), ou arrêtez-le d'abord.",
  });
  const esdb = config.eventStoreConnectionString ? new EventStoreDbEventStore(config.eventStoreConnectionString) : undefined;
  try {
    const store: EventStore = esdb ?? new PostgresEventStore(db);
    const log =
      esdb || (await holdsEventLog(db))
        ? logSection(esdb ? await esdb.verifyEventLog({ digest: args.digest }) : await verifyEventLog(db, { digest: args.digest }), args.digest)
        : noEventLog(args.digest);
    const readModels = await verifyReadModels(db, allProjections(), args.replay ? { replay: { store, databaseUrl: config.databaseUrl } } : {});
    const ok = log.ok && readModels.ok;
    if (args.json) process.stdout.write(`${JSON.stringify({ ...log.json, ok, readModels })}\n`);
    else process.stdout.write([...log.lines, ...readModelLines(readModels, log.ok)].map((l) => `${l}\n`).join(''));
    return ok ? 0 : 1;
  } finally {
    await esdb?.close();
    await db.close();
  }
}

/** Whether the database holds the PostgreSQL event log at all (a database nothing was ever recorded in does not). */
async function holdsEventLog(db: SqlDatabase): Promise<boolean> {
  const [row] = await db.query<{ events: string | null }>(`SELECT to_regclass('event_store.events')::text AS events`);
  return row?.events !== null && row?.events !== undefined;
}

/** The log's section for a database that holds no event log: nothing recorded, so nothing to verify, and no seal. */
function noEventLog(digest: string | undefined): LogSection {
  const lines = ['No event log in this database: nothing was ever recorded here, so there is nothing to verify.'];
  if (digest !== undefined)
    lines.push(`NOT OK: no seal of this log has digest ${digest} (this database holds no log at all: is DATABASE_URL or ERBM_DATA_DIR the right one?)`);
  const report = {
    ok: digest === undefined,
    eventsChecked: 0,
    streamsChecked: 0,
    sealsChecked: 0,
    breaks: [],
    sealBreaks: [],
    ...(digest === undefined ? {} : { digestFound: false }),
  };
  return { ok: report.ok, json: report, lines };
}

/** The log's section, the same on both stores: every chain, every seal, and the digest kept outside the system. */
function logSection(report: Awaited<ReturnType<typeof verifyEventLog>>, digest: string | undefined): LogSection {
  const lines: string[] = [];
  const rate = report.seconds > 0 ? Math.round(report.eventsChecked / report.seconds) : report.eventsChecked;
  lines.push(
    `${report.eventsChecked} events in ${report.streamsChecked} streams, ${report.sealsChecked} seals checked in ${report.seconds.toFixed(2)} s (${rate} events/s)`,
  );
  if (report.firstBreak) {
    const b = report.firstBreak;
    lines.push(
      `FIRST MISMATCH: stream ${b.streamName}, revision ${b.revision}${b.eventId ? `, event ${b.eventId} at position ${b.position}` : ''}: ${b.reason}`,
    );
    for (const other of report.breaks.slice(1)) lines.push(`  also: stream ${other.streamName}, revision ${other.revision}: ${other.reason}`);
  }
  for (const s of report.sealBreaks) lines.push(`SEAL ${s.sealNumber}${s.digest ? ` (${s.digest})` : ''} BROKEN: ${s.reason}`);
  if (report.digestFound === false) lines.push(`DIGEST ${digest} is the digest of no seal of this log`);
  const altered = report.breaks.length > 0 || report.sealBreaks.length > 0;
  if (report.ok) lines.push('OK: every chain and every seal matches');
  else if (altered) lines.push('NOT OK: the log was altered');
  else
    lines.push(
      `NOT OK: no seal of this log has digest ${digest}; every chain and every seal matches. Check the digest as kept (npm run seal printed it; GET /audit/seals lists every seal's), and that this is the log it was kept from.`,
    );
  return { ok: report.ok, json: report as unknown as Record<string, unknown>, lines };
}

const keyText = (key: Record<string, unknown>) =>
  Object.entries(key)
    .map(([c, v]) => `${c}=${v === null ? 'null' : String(v)}`)
    .join(', ');

const rowsDiffer = (n: number, table: string) => (n === 1 ? `1 row of ${table} differs` : `${n} rows of ${table} differ`);

/** The read models' section, after the log's. */
function readModelLines(report: ReadModelsReport, logOk: boolean): string[] {
  const lines = [`Read models: ${report.checksRun} checks in ${report.seconds.toFixed(2)} s`];
  if (report.notBuilt.length) lines.push(`  not built in this database (nothing to check): ${report.notBuilt.join(', ')}`);
  for (const b of report.breaks)
    lines.push(
      `BREAK: ${b.projection} ${b.table} (${keyText(b.key)})${b.column ? ` ${b.column}: expected ${b.expected ?? 'no row'}, found ${b.actual ?? 'no row'}` : ''}: ${b.reason}`,
    );
  if (report.breaksFound > report.breaks.length) lines.push(`  …and ${report.breaksFound - report.breaks.length} more breaks`);
  const replay = report.replay;
  if (replay) {
    for (const p of replay.projections)
      lines.push(
        `Replay of the log: ${p.projection} up to ${p.checkpoint ?? 'the start'}, ${p.tablesCompared} tables compared with the live ones (held for ${p.heldSeconds.toFixed(2)} s)`,
      );
    for (const [i, d] of replay.projections.flatMap((p) => p.differences).entries())
      lines.push(
        `${i === 0 ? 'FIRST DIFFERENCE' : '  also'}: ${d.projection} ${d.table} (${keyText(d.key)})${d.column ? ` ${d.column}: live ${d.live ?? 'null'}, replayed ${d.replayed ?? 'null'}` : ''}: ${d.reason}${d.differingRows ? ` (${rowsDiffer(d.differingRows, d.table)})` : ''}`,
      );
    lines.push(`Replayed in ${replay.seconds.toFixed(2)} s`);
  }
  const what = replay ? 'the rows behind them and a replay of the log' : 'the rows behind them';
  lines.push(report.ok ? `OK: the read models match ${what}` : `NOT OK: the read models do not match ${what}`);
  if (logOk && !report.ok) lines.push('The log is intact: a rebuild (npm run rebuild) makes the read models from it again.');
  return lines;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof DataFolderInUseError || error instanceof ConfigurationError ? error.message : `verify failed: ${error instanceof Error ? error.message : String(error)}`}\n`,
    );
    process.exitCode = 2;
  },
);

import { parseArgs } from 'node:util';
import { DataFolderInUseError, EventStoreDbEventStore, openSqlDatabase, verifyEventLog } from '@erbm/shared/event-store';
import { eventStoreConfigFromEnv } from '@erbm/shared/api';

const USAGE = `usage: npm run verify -- [--digest <hex>] [--json]
Recomputes every stream's hash chain and every seal of the event log (DATABASE_URL, or the embedded database).
--digest: a seal digest kept outside the system; the log must still hold a seal with it, and match it.
Exit code 0 when everything matches, 1 when something does not (the first event that does not match is named).`;

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({ args: argv, options: { digest: { type: 'string' }, json: { type: 'boolean', default: false } } }).values;
  } catch (error) {
    process.stderr.write(`verify: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.digest !== undefined && !/^[0-9a-fA-F]{64}$/.test(args.digest)) {
    process.stderr.write(`verify: --digest is 64 hexadecimal digits\n${USAGE}\n`);
    return 2;
  }
  const config = eventStoreConfigFromEnv();
  if (config.eventStoreConnectionString) return verifyEventStoreDb(config.eventStoreConnectionString, args.json ?? false, args.digest);
  const db = await openSqlDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    instead: "Pour vérifier le journal, appelez GET /audit/verify sur le serveur en marche (rôle auditor), ou arrêtez-le d'abord.",
  });
  try {
    const report = await verifyEventLog(db, { digest: args.digest });
    if (args.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else {
      const rate = report.seconds > 0 ? Math.round(report.eventsChecked / report.seconds) : report.eventsChecked;
      process.stdout.write(
        `${report.eventsChecked} events in ${report.streamsChecked} streams, ${report.sealsChecked} seals checked in ${report.seconds.toFixed(2)} s (${rate} events/s)\n`,
      );
      if (report.firstBreak) {
        const b = report.firstBreak;
        process.stdout.write(
          `FIRST MISMATCH: stream ${b.streamName}, revision ${b.revision}${b.eventId ? `, event ${b.eventId} at position ${b.position}` : ''}: ${b.reason}\n`,
        );
        for (const other of report.breaks.slice(1)) process.stdout.write(`  also: stream ${other.streamName}, revision ${other.revision}: ${other.reason}\n`);
      }
      for (const s of report.sealBreaks) process.stdout.write(`SEAL ${s.sealNumber} (${s.digest}) BROKEN: ${s.reason}\n`);
      if (report.digestFound === false) process.stdout.write(`DIGEST ${args.digest} is the digest of no seal of this log\n`);
      process.stdout.write(report.ok ? 'OK: every chain and every seal matches\n' : 'NOT OK: the log was altered\n');
    }
    return report.ok ? 0 : 1;
  } finally {
    await db.close();
  }
}

/** ERBM_EVENT_STORE=eventstoredb: every stream's chain, read from EventStoreDB. Seals are kept by the PostgreSQL store. */
async function verifyEventStoreDb(connectionString: string, json: boolean, digest: string | undefined): Promise<number> {
  if (digest !== undefined) {
    process.stderr.write('verify: seals (--digest) are kept by the PostgreSQL event store; on EventStoreDB only the chains are verified\n');
    return 2;
  }
  const store = new EventStoreDbEventStore(connectionString);
  try {
    const started = performance.now();
    const report = await store.verifyChains();
    const seconds = (performance.now() - started) / 1000;
    const ok = report.breaks.length === 0;
    if (json) process.stdout.write(`${JSON.stringify({ ok, ...report, seconds, firstBreak: report.breaks[0] ?? null })}\n`);
    else {
      process.stdout.write(`EventStoreDB: ${report.eventsChecked} events in ${report.streamsChecked} streams checked in ${seconds.toFixed(2)} s\n`);
      for (const [i, b] of report.breaks.entries())
        process.stdout.write(
          `${i === 0 ? 'FIRST MISMATCH' : '  also'}: stream ${b.streamName}, revision ${b.revision}, event ${b.eventId} at position ${b.position}: ${b.reason}\n`,
        );
      process.stdout.write(ok ? 'OK: every chain matches\n' : 'NOT OK: the log was altered\n');
    }
    return ok ? 0 : 1;
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof DataFolderInUseError ? error.message : `verify failed: ${error instanceof Error ? error.message : String(error)}`}\n`,
    );
    process.exitCode = 2;
  },
);

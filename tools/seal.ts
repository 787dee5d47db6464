import { createSeal, migrateEventStore, openSqlDatabase } from '@erbm/shared/event-store';
import { eventStoreConfigFromEnv } from '@erbm/shared/api';

/** Seals the event log up to its head now and prints the digest to keep outside the system. */
async function main(): Promise<number> {
  const config = eventStoreConfigFromEnv();
  const db = await openSqlDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrateEventStore(db);
    const seal = await createSeal(db, `tool:${process.env.USER ?? 'unknown'}`);
    if (!seal) {
      process.stdout.write('nothing recorded since the last seal\n');
      return 0;
    }
    process.stdout.write(
      `seal ${seal.sealNumber}: ${seal.events} events up to position ${seal.upToPosition}, sealed at ${seal.sealedAt}\ndigest ${seal.digest}\n`,
    );
    return 0;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`seal failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);

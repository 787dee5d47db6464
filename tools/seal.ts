import { DataFolderInUseError, EventStoreDbEventStore, type Seal, createSeal, migrateEventStore, openSqlDatabase } from '@erbm/shared/event-store';
import { ConfigurationError, eventStoreConfigFromEnv } from '@erbm/shared/api';

/**
 * Seals the event log up to its head now and prints the digest to keep outside the system: in EventStoreDB with
 * ERBM_EVENT_STORE=eventstoredb, otherwise in PostgreSQL (DATABASE_URL or the embedded database).
 */
async function main(): Promise<number> {
  const config = eventStoreConfigFromEnv();
  const sealedBy = `tool:${process.env.USER ?? 'unknown'}`;
  return report(config.eventStoreConnectionString ? await sealEventStoreDb(config.eventStoreConnectionString, sealedBy) : await sealPostgres(config, sealedBy));
}

async function sealEventStoreDb(connectionString: string, sealedBy: string): Promise<Seal | null> {
  const store = new EventStoreDbEventStore(connectionString);
  try {
    return await store.createSeal(sealedBy);
  } finally {
    await store.close();
  }
}

async function sealPostgres(config: ReturnType<typeof eventStoreConfigFromEnv>, sealedBy: string): Promise<Seal | null> {
  const db = await openSqlDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    instead: "Pour sceller le journal, appelez POST /audit/seals sur le serveur en marche (rôle admin), ou arrêtez-le d'abord.",
  });
  try {
    await migrateEventStore(db);
    return await createSeal(db, sealedBy);
  } finally {
    await db.close();
  }
}

function report(seal: Seal | null): number {
  if (!seal) {
    process.stdout.write('nothing recorded since the last seal\n');
    return 0;
  }
  process.stdout.write(
    `seal ${seal.sealNumber}: ${seal.events} events up to position ${seal.upToPosition}, sealed at ${seal.sealedAt}\ndigest ${seal.digest}\n`,
  );
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    // The data folder's holder and what to use instead, on one line: no stack for a refusal the person can act on.
    process.stderr.write(
      `${error instanceof DataFolderInUseError || error instanceof ConfigurationError ? error.message : `seal failed: ${error instanceof Error ? error.message : String(error)}`}\n`,
    );
    process.exitCode = 1;
  },
);

import { type DynamicModule, Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import {
  type EventStore,
  EventStoreDbEventStore,
  PostgresEventStore,
  type SqlDatabase,
  connectionStringProblem,
  migrateEventStore,
  openSqlDatabase,
} from '@erbm/shared/event-store';

export const EVENT_STORE = Symbol('EVENT_STORE');
export const SQL_DATABASE = Symbol('SQL_DATABASE');
const OWNED = Symbol('EVENT_STORE_OWNED');

export interface EventStoreConfig {
  /** PostgreSQL server for the read side (and the event store when there is no EventStoreDB). */
  databaseUrl?: string;
  /** Folder of the embedded database when there is no server. */
  dataDir: string;
  /** EventStoreDB, the production event store. Without it the events live in PostgreSQL. */
  eventStoreConnectionString?: string;
}

/** A configuration a process refuses to start with: one line, in French, naming the variable at fault. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/** The values of `ERBM_EVENT_STORE`; unset is PostgreSQL. */
const EVENT_STORE_KINDS = ['postgresql', 'eventstoredb'];

/**
 * The stores the environment names. Refuses (`ConfigurationError`) what would otherwise start on a store nobody chose:
 * an unknown `ERBM_EVENT_STORE`, EventStoreDB without a connection string (the events went to PostgreSQL), a connection
 * string EventStoreDB's client does not take. `EVENTSTORE_CONNECTION_STRING` alone does not choose EventStoreDB: the
 * contract suite reads it too.
 */
export function eventStoreConfigFromEnv(env: NodeJS.ProcessEnv = process.env): EventStoreConfig {
  const kind = env.ERBM_EVENT_STORE || 'postgresql';
  if (!EVENT_STORE_KINDS.includes(kind))
    throw new ConfigurationError(
      `ERBM_EVENT_STORE vaut « ${kind} », qui n'est pas un magasin d'événements connu : mettez eventstoredb (EventStoreDB, la production) ou postgresql, ou ne la définissez pas (PostgreSQL).`,
    );
  let eventStoreConnectionString: string | undefined;
  if (kind === 'eventstoredb') {
    eventStoreConnectionString = env.EVENTSTORE_CONNECTION_STRING?.trim();
    if (!eventStoreConnectionString)
      throw new ConfigurationError(
        "ERBM_EVENT_STORE=eventstoredb demande EVENTSTORE_CONNECTION_STRING, qui n'est pas définie : donnez la chaîne de connexion d'EventStoreDB (par exemple esdb://eventstore:2113?tls=false).",
      );
    const problem = connectionStringProblem(eventStoreConnectionString);
    if (problem)
      throw new ConfigurationError(
        `EVENTSTORE_CONNECTION_STRING n'est pas une chaîne de connexion qu'EventStoreDB accepte (${problem}) : elle a la forme esdb://hôte:2113?tls=false.`,
      );
  }
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.ERBM_DATA_DIR || '.data/erbm',
    eventStoreConnectionString,
  };
}

export interface OpenedStores {
  db: SqlDatabase;
  store: EventStore;
  kind: 'postgresql' | 'eventstoredb';
}

/**
 * Opens the SQL database and the event store the configuration names, migrating the PostgreSQL event store if used.
 * `instead`: what to tell the person when another process has the embedded data folder (see openSqlDatabase).
 */
export async function openStores(config: EventStoreConfig, options: { instead?: string } = {}): Promise<OpenedStores> {
  const db = await openSqlDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, instead: options.instead });
  if (config.eventStoreConnectionString) return { db, store: new EventStoreDbEventStore(config.eventStoreConnectionString), kind: 'eventstoredb' };
  await migrateEventStore(db);
  return { db, store: new PostgresEventStore(db), kind: 'postgresql' };
}

@Injectable()
class StoresLifecycle implements OnApplicationShutdown {
  constructor(@Inject(OWNED) private readonly stores: OpenedStores | undefined) {}

  async onApplicationShutdown(): Promise<void> {
    if (!this.stores) return;
    if (this.stores.kind === 'eventstoredb') await this.stores.store.close();
    await this.stores.db.close();
  }
}

@Global()
@Module({})
export class EventStoreModule {
  /** Opens the stores from configuration, read when the application starts; the application closes them. */
  static forRoot(config?: EventStoreConfig): DynamicModule {
    return {
      module: EventStoreModule,
      providers: [
        { provide: OWNED, useFactory: () => openStores(config ?? eventStoreConfigFromEnv()) },
        { provide: EVENT_STORE, useFactory: (s: OpenedStores) => s.store, inject: [OWNED] },
        { provide: SQL_DATABASE, useFactory: (s: OpenedStores) => s.db, inject: [OWNED] },
        StoresLifecycle,
      ],
      exports: [EVENT_STORE, SQL_DATABASE],
    };
  }

  /** Uses a PostgreSQL store opened elsewhere (tests, tools); its owner closes it. */
  static forStore(store: PostgresEventStore): DynamicModule {
    return {
      module: EventStoreModule,
      providers: [
        { provide: OWNED, useValue: undefined },
        { provide: EVENT_STORE, useValue: store },
        { provide: SQL_DATABASE, useValue: store.db },
        StoresLifecycle,
      ],
      exports: [EVENT_STORE, SQL_DATABASE],
    };
  }
}

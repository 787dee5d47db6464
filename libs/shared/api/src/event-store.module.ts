import { type DynamicModule, Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { PostgresEventStore, type SqlDatabase } from '@erbm/shared/event-store';

export const EVENT_STORE = Symbol('EVENT_STORE');
export const SQL_DATABASE = Symbol('SQL_DATABASE');
const OWNED = Symbol('EVENT_STORE_OWNED');

export interface EventStoreConfig {
  databaseUrl?: string;
  dataDir: string;
}

/** The server named by DATABASE_URL, or the embedded database in a local folder when there is none. */
export function eventStoreConfigFromEnv(env: NodeJS.ProcessEnv = process.env): EventStoreConfig {
  return { databaseUrl: env.DATABASE_URL || undefined, dataDir: env.ERBM_DATA_DIR || '.data/erbm' };
}

@Injectable()
class EventStoreLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly store: PostgresEventStore,
    @Inject(OWNED) private readonly owned: boolean,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.owned) await this.store.close();
  }
}

@Global()
@Module({})
export class EventStoreModule {
  /** Opens (and migrates) the store from configuration; the application closes it on shutdown. */
  static forRoot(config?: EventStoreConfig): DynamicModule {
    // The environment is read when the application starts, not when the module is declared.
    return EventStoreModule.build({ provide: EVENT_STORE, useFactory: () => PostgresEventStore.open(config ?? eventStoreConfigFromEnv()) }, true);
  }

  /** Uses a store opened elsewhere (tests, tools); its owner closes it. */
  static forStore(store: PostgresEventStore): DynamicModule {
    return EventStoreModule.build({ provide: EVENT_STORE, useValue: store }, false);
  }

  private static build(storeProvider: DynamicModule['providers'] extends (infer P)[] | undefined ? P : never, owned: boolean): DynamicModule {
    return {
      module: EventStoreModule,
      providers: [
        storeProvider,
        { provide: OWNED, useValue: owned },
        { provide: SQL_DATABASE, useFactory: (store: PostgresEventStore): SqlDatabase => store.db, inject: [EVENT_STORE] },
        EventStoreLifecycle,
      ],
      exports: [EVENT_STORE, SQL_DATABASE],
    };
  }
}

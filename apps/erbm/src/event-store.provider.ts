import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { PostgresEventStore } from '@erbm/shared/event-store';

export const EVENT_STORE = Symbol('EVENT_STORE');

export interface EventStoreConfig {
  databaseUrl?: string;
  dataDir: string;
}

/** The server named by DATABASE_URL, or the embedded database in a local folder when there is none. */
export function eventStoreConfigFromEnv(env: NodeJS.ProcessEnv = process.env): EventStoreConfig {
  return { databaseUrl: env.DATABASE_URL || undefined, dataDir: env.ERBM_DATA_DIR || '.data/erbm' };
}

export const eventStoreProvider = {
  provide: EVENT_STORE,
  useFactory: () => PostgresEventStore.open(eventStoreConfigFromEnv()),
};

@Injectable()
export class EventStoreLifecycle implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: PostgresEventStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

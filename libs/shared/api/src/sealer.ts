import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type EventStore, type SqlDatabase, sealKeeper } from '@erbm/shared/event-store';
import { EVENT_STORE, SQL_DATABASE } from './event-store.module';

/**
 * Seals the log at intervals (ERBM_SEAL_INTERVAL_MINUTES, default 60; 0 turns it off) in the processes that run the
 * projections, on the store that holds the events (PostgreSQL, or EventStoreDB's seals stream).
 */
@Injectable()
export class PeriodicSealer implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private readonly logger = new Logger('Seals');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SQL_DATABASE) private readonly db: SqlDatabase,
  ) {}

  onApplicationBootstrap(): void {
    const minutes = Number(process.env.ERBM_SEAL_INTERVAL_MINUTES ?? 60);
    if (!(minutes > 0)) return;
    const seals = sealKeeper(this.store, this.db);
    this.timer = setInterval(() => {
      seals.createSeal('system:periodic').then(
        (seal) => seal && this.logger.log(`seal ${seal.sealNumber}: ${seal.events} events up to ${seal.upToPosition}, digest ${seal.digest}`),
        (error: unknown) => this.logger.error(`sealing failed: ${String(error)}`),
      );
    }, minutes * 60_000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

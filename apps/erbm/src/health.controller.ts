import { Controller, Get, Inject } from '@nestjs/common';
import type { PostgresEventStore } from '@erbm/shared/event-store';
import { EVENT_STORE } from './event-store.provider';

@Controller('health')
export class HealthController {
  constructor(@Inject(EVENT_STORE) private readonly store: PostgresEventStore) {}

  @Get()
  async health() {
    const head = await this.store.head();
    return { status: 'ok', database: this.store.db.mode, eventStore: { head } };
  }
}

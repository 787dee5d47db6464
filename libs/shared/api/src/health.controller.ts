import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type EventStore, EventStoreDbEventStore, type SqlDatabase } from '@erbm/shared/event-store';
import { Public } from './auth/auth';
import { EVENT_STORE, SQL_DATABASE } from './event-store.module';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SQL_DATABASE) private readonly db: SqlDatabase,
  ) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Database mode and head of the event log' })
  async health() {
    const head = await this.store.head();
    return { status: 'ok', database: this.db.mode, eventStore: { kind: this.store instanceof EventStoreDbEventStore ? 'eventstoredb' : 'postgresql', head } };
  }
}

import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { PostgresEventStore } from '@erbm/shared/event-store';
import { Public } from './auth/auth';
import { EVENT_STORE } from './event-store.module';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@Inject(EVENT_STORE) private readonly store: PostgresEventStore) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Database mode and head of the event log' })
  async health() {
    const head = await this.store.head();
    return { status: 'ok', database: this.store.db.mode, eventStore: { head } };
  }
}

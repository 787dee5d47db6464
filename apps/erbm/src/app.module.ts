import { Module } from '@nestjs/common';
import { EventStoreLifecycle, eventStoreProvider } from './event-store.provider';
import { HealthController } from './health.controller';

@Module({
  controllers: [HealthController],
  providers: [eventStoreProvider, EventStoreLifecycle],
})
export class AppModule {}

import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { EVENT_STORE } from '@erbm/shared/api';
import type { EventStore } from '@erbm/shared/event-store';
import { seedHabitatDemo } from './demo-seed';

/** On the first start of an empty database, seeds the demo data (ERBM_DEMO_SEED=false turns it off). */
@Injectable()
export class HabitatDemoSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger('DemoSeed');

  constructor(
    private readonly commands: CommandBus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (process.env.ERBM_DEMO_SEED === 'false' || (await this.store.head()) !== null) return;
    const seeded = await seedHabitatDemo(this.commands);
    this.logger.log(`Empty database: seeded DEMO data (fictitious, marked [DÉMO]): ${seeded.operations} operations, ${seeded.commitments} commitments, ${seeded.meetings} meetings`);
  }
}

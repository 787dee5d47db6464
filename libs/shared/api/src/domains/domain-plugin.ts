import { type DynamicModule, Global, Inject, Injectable, Logger, Module, type OnApplicationBootstrap, Optional } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { EventStore } from '@erbm/shared/event-store';
import { EVENT_STORE } from '../event-store.module';
import { ImportsModule } from '../imports/imports.module';
import type { DomainPlugin } from './domain-plugin.types';
import { DOMAIN_PLUGINS } from './domain-plugins.token';

/** What a domain is to the rest of the system (the types), apart from the module that serves the domains. */
export * from './domain-plugin.types';
export { DOMAIN_PLUGINS } from './domain-plugins.token';

/** Real data (not demo) the process records where it is missing, each seed once whatever the starts: the programme's contract. */
export interface ReferenceDataSeed {
  /** Records what is missing; says what it recorded, or undefined when it was there already. */
  seedReferenceData(): Promise<string | undefined>;
}
export const REFERENCE_DATA_SEEDS = Symbol('REFERENCE_DATA_SEEDS');

/**
 * On each start, the reference data that is missing; on the first start of an empty database, each domain's demo data
 * (ERBM_DEMO_SEED=false turns the demo off, not the reference data).
 */
@Injectable()
export class DemoSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger('DemoSeed');

  constructor(
    private readonly commands: CommandBus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(DOMAIN_PLUGINS) private readonly domains: readonly DomainPlugin[],
    @Optional() @Inject(REFERENCE_DATA_SEEDS) private readonly referenceData: readonly ReferenceDataSeed[] = [],
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const empty = (await this.store.head()) === null;
    for (const seed of this.referenceData ?? []) {
      const seeded = await seed.seedReferenceData();
      if (seeded) this.logger.log(`Recorded reference data (real, not demo): ${seeded}`);
    }
    if (process.env.ERBM_DEMO_SEED === 'false' || !empty) return;
    for (const domain of this.domains) {
      if (!domain.seedDemo) continue;
      const seeded = await domain.seedDemo(this.commands);
      this.logger.log(`Empty database: seeded DEMO data of ${domain.name} (fictitious, marked [DÉMO]): ${seeded}`);
    }
  }
}

/** The domains a process serves: their API modules, and the registry injected as DOMAIN_PLUGINS. */
@Global()
@Module({})
export class DomainsModule {
  static forRoot(domains: readonly DomainPlugin[], options: { demo?: boolean; api?: boolean } = {}): DynamicModule {
    const names = new Set<string>();
    for (const d of domains) {
      if (names.has(d.name)) throw new Error(`domain ${d.name} is registered twice`);
      names.add(d.name);
    }
    return {
      module: DomainsModule,
      // A process that only reads (the SGAR's) knows the domains without serving their routes.
      // Serving a domain's API serves its imports too (`POST /<domain>/imports/<source>`, the list of imports).
      imports: options.api === false ? [] : [...domains.map((d) => d.api), ImportsModule],
      providers: [{ provide: DOMAIN_PLUGINS, useValue: domains }, ...(options.demo ? [DemoSeeder] : [])],
      exports: [DOMAIN_PLUGINS],
    };
  }
}

export const InjectDomains = () => Inject(DOMAIN_PLUGINS);

/** The plugin of a served domain, or undefined. */
export const domainNamed = (domains: readonly DomainPlugin[], name: string): DomainPlugin | undefined => domains.find((d) => d.name === name);

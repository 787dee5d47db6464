import { type DynamicModule, Global, Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type Type } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { EventStore } from '@erbm/shared/event-store';
import type { DataSource } from 'typeorm';
import type { IndicatorDefinition, IndicatorValue, OperationLocator } from '@erbm/shared/kernel';
import type { Projection } from '@erbm/shared/projections';
import { EVENT_STORE } from '../event-store.module';

/**
 * A domain as the rest of the system sees it: one plain object each domain exports and one registry lists. The apps,
 * the tools, the ledger register, the SGAR views and the audit trail know the domains only through these.
 */
export interface DomainPlugin {
  /** The URL segment, the `domain` value of its commitments and the editors' `erbm_domain` claim. */
  name: string;
  /** Its name in French, for people. */
  label: string;
  /** The Nest module of its API (operations and the rest of its own routes). */
  api: Type<unknown> | DynamicModule;
  /** Its read models; new instances on each call (a rebuild and a live runner never share one). */
  projections(): Projection[];
  operations: {
    /** The stream of one of its operations. */
    streamName(operationId: string): string;
    /** The events that place its operations on the territory, and how to read the place. */
    locator: OperationLocator;
    /**
     * What the ledger needs of one operation, folded from its stream's events: its eligible cost and the commitments of
     * its financing plan (undefined when there is no such operation). The plan's events are the ledger's
     * `<name>.CommitmentAttached`; the ledger appends them.
     */
    financingOf(events: readonly { type: string; data: unknown }[]): { eligibleCostCents?: number; commitmentIds: string[] } | undefined;
  };
  /** What an auditor reads for each of its event types. */
  eventLabels: Readonly<Record<string, string>>;
  indicators: DomainIndicators;
  /** Made-up but valid facts of this domain, for the tests and benchmarks that exercise every domain alike. */
  samples: DomainSamples;
  /**
   * Records marked demo data through its own commands, on the first start of an empty database (the all-in-one
   * process only); says what it recorded.
   */
  seedDemo?(commands: CommandBus): Promise<string>;
}

/** Where a sample operation is, what it is called and when it is registered. */
export interface SamplePlace {
  operationId: string;
  name: string;
  communeInsee: string;
  arrondissement: string;
  /** Business date of the registration (yyyy-mm-dd). */
  date: string;
}

export interface DomainSamples {
  /** The body of `POST /<name>/operations` that registers an operation at that place (its id is the server's). */
  operationRequest(place: Omit<SamplePlace, 'operationId' | 'arrondissement'>): Record<string, unknown>;
  /** The events that register an operation at that place, decided by the domain's own decider, for its stream. */
  operationEvents(place: SamplePlace): { type: string; data: unknown }[];
}

export interface DomainIndicators {
  definitions: readonly IndicatorDefinition[];
  /** The projection whose read model holds them (its freshness is the indicators'). */
  projection: string;
  /** Current values per arrondissement, read from that projection's data source: only the domain names its tables. */
  read(dataSource: DataSource): Promise<IndicatorValue[]>;
}

export const DOMAIN_PLUGINS = Symbol('DOMAIN_PLUGINS');

/** On the first start of an empty database, each domain seeds its demo data (ERBM_DEMO_SEED=false turns it off). */
@Injectable()
export class DemoSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger('DemoSeed');

  constructor(
    private readonly commands: CommandBus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(DOMAIN_PLUGINS) private readonly domains: readonly DomainPlugin[],
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (process.env.ERBM_DEMO_SEED === 'false' || (await this.store.head()) !== null) return;
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
      imports: options.api === false ? [] : domains.map((d) => d.api),
      providers: [{ provide: DOMAIN_PLUGINS, useValue: domains }, ...(options.demo ? [DemoSeeder] : [])],
      exports: [DOMAIN_PLUGINS],
    };
  }
}

export const InjectDomains = () => Inject(DOMAIN_PLUGINS);

/** The plugin of a served domain, or undefined. */
export const domainNamed = (domains: readonly DomainPlugin[], name: string): DomainPlugin | undefined => domains.find((d) => d.name === name);

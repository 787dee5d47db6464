import type { DynamicModule, Type } from '@nestjs/common';
import { type DomainPlugin, DomainsModule, ProjectionsModule, type ProjectionsOptions } from '@erbm/shared/api';
import type { Projection } from '@erbm/shared/projections';
import { projectionsOf } from '@erbm/ledger/read-models';
import { SgarApiModule } from '@erbm/sgar/api';
import { DOMAINS } from './registry';

/** Every read model: the ledger register (which places commitments through the domains' locators), then each domain's. */
export const allProjections = (domains: readonly DomainPlugin[] = DOMAINS): Projection[] => projectionsOf(domains);

export interface SystemOptions {
  projections: ProjectionsOptions;
  /** Serve the SGAR's views and the auditors' trail. */
  sgar?: boolean;
  /** Seed each domain's demo data into an empty database. */
  demo?: boolean;
  domains?: readonly DomainPlugin[];
}

/** The features of a process serving every registered domain (all-in-one, tests): APIs, read models, SGAR views. */
export function everyDomain(options: SystemOptions): (Type<unknown> | DynamicModule)[] {
  const domains = options.domains ?? DOMAINS;
  return [
    DomainsModule.forRoot(domains, { demo: options.demo }),
    ProjectionsModule.forRoot(allProjections(domains), options.projections),
    ...(options.sgar ? [SgarApiModule] : []),
  ];
}

import { DOMAINS, allProjections } from '@erbm/domains';
import { DomainsModule, ProjectionsModule, serviceModule } from '@erbm/shared/api';
import { SgarApiModule } from '@erbm/sgar/api';

/** Reads the read models the projector keeps; runs no projection and serves no domain's writes. */
export const AppModule = serviceModule([
  DomainsModule.forRoot(DOMAINS, { api: false }),
  ProjectionsModule.forRoot(allProjections(), { run: false }),
  SgarApiModule,
]);

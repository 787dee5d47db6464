import { politiqueDeLaVilleDomain } from '@erbm/politique-de-la-ville/api';
import { DomainsModule, ProjectionsModule, serviceModule } from '@erbm/shared/api';

/** This domain's service alone: its API, reading its own read model, which the projector keeps. */
export const AppModule = serviceModule([
  DomainsModule.forRoot([politiqueDeLaVilleDomain]),
  ProjectionsModule.forRoot(politiqueDeLaVilleDomain.projections(), { run: false }),
]);

import { habitatDomain } from '@erbm/habitat/api';
import { DomainsModule, ProjectionsModule, serviceModule } from '@erbm/shared/api';

/** The habitat service alone: its API, reading its own read model, which the projector keeps. */
export const AppModule = serviceModule([DomainsModule.forRoot([habitatDomain]), ProjectionsModule.forRoot(habitatDomain.projections(), { run: false })]);

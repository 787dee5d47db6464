import { habitatDomain } from '@erbm/habitat/api';
import { projectionsOf } from '@erbm/ledger/read-models';
import { DomainsModule, ProjectionsModule, serviceModule } from '@erbm/shared/api';

/** The habitat service alone: its API, reading its register and the ledger's, which the projector keeps. */
export const AppModule = serviceModule([DomainsModule.forRoot([habitatDomain]), ProjectionsModule.forRoot(projectionsOf([habitatDomain]), { run: false })]);

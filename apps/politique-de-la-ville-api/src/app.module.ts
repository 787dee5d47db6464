import { politiqueDeLaVilleDomain } from '@erbm/politique-de-la-ville/api';
import { projectionsOf } from '@erbm/ledger/read-models';
import { DomainsModule, ProjectionsModule, serviceModule } from '@erbm/shared/api';

/**
 * This domain's service alone: its API, reading its own read model and the ledger's (commitments, meetings and acts,
 * beneficiaries, the programme's agreements), which the projector keeps.
 */
export const AppModule = serviceModule([
  DomainsModule.forRoot([politiqueDeLaVilleDomain]),
  ProjectionsModule.forRoot(projectionsOf([politiqueDeLaVilleDomain]), { run: false }),
]);

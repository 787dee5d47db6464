import type { DynamicModule, Type } from '@nestjs/common';
import { DomainsModule, ProjectionsModule } from '@erbm/shared/api';
import type { TestDatabase } from '@erbm/shared/event-store/testing';
import { politiqueDeLaVilleDomain } from '../politique-de-la-ville-domain';

/**
 * This domain's service as its app composes it, on a test database. Its read model does not follow the log by itself:
 * a test catches it up (`t.app.get(ReadModels).catchUp()`, once `logSettled` says the log shows every event written)
 * before it reads the list or the indicators.
 */
export const politiqueDeLaVilleService = (database: TestDatabase): (Type<unknown> | DynamicModule)[] => [
  DomainsModule.forRoot([politiqueDeLaVilleDomain]),
  ProjectionsModule.forRoot(politiqueDeLaVilleDomain.projections(), { run: false, databaseUrl: database.url }),
];

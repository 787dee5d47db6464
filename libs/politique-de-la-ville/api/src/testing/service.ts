import type { DynamicModule, Type } from '@nestjs/common';
import { DomainsModule, ProjectionsModule } from '@erbm/shared/api';
import type { TestDatabase } from '@erbm/shared/event-store/testing';
import { projectionsOf } from '@erbm/ledger/read-models';
import { politiqueDeLaVilleDomain } from '../politique-de-la-ville-domain';

/**
 * This domain's service as its app composes it, on a test database: its read model and the ledger's (what the ledger's
 * routes read: meetings, acts, beneficiaries, agreements). They do not follow the log by themselves: a test catches them
 * up (`t.app.get(ReadModels).catchUp()`, once `logSettled` says the log shows every event written) before it reads the
 * list or the indicators.
 */
export const politiqueDeLaVilleService = (database: TestDatabase): (Type<unknown> | DynamicModule)[] => [
  DomainsModule.forRoot([politiqueDeLaVilleDomain]),
  ProjectionsModule.forRoot(projectionsOf([politiqueDeLaVilleDomain]), { run: false, databaseUrl: database.url }),
];

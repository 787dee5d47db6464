import type { DynamicModule, Type } from '@nestjs/common';
import { DomainsModule, ProjectionsModule, ReadModels } from '@erbm/shared/api';
import type { TestApp } from '@erbm/shared/api/testing';
import { type TestDatabase, logSettled } from '@erbm/shared/event-store/testing';
import { projectionsOf } from '@erbm/ledger/read-models';
import { habitatDomain } from '../habitat-domain';

/** The habitat service as its app composes it, on a test database; the test brings the read models up to date. */
export const habitatService = (database: TestDatabase): (Type<unknown> | DynamicModule)[] => [
  DomainsModule.forRoot([habitatDomain]),
  ProjectionsModule.forRoot(projectionsOf([habitatDomain]), { run: false, databaseUrl: database.url }),
];

/**
 * Applies every event recorded so far to the read models (what the projector does continuously): first waits until the
 * log shows them all (see logSettled), then runs each projection to its head.
 */
export async function catchUp(t: TestApp): Promise<void> {
  await logSettled(t.database.db);
  await t.app.get(ReadModels).catchUp();
}

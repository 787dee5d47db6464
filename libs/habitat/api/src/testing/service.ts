import type { DynamicModule, Type } from '@nestjs/common';
import { DomainsModule } from '@erbm/shared/api';
import type { TestDatabase } from '@erbm/shared/event-store/testing';
import { habitatDomain } from '../habitat-domain';

/** The habitat service as its app composes it, on a test database. */
export const habitatService = (_database: TestDatabase): (Type<unknown> | DynamicModule)[] => [DomainsModule.forRoot([habitatDomain])];

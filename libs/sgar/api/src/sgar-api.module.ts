import { Module } from '@nestjs/common';
import { DOMAIN_PLUGINS, type DomainPlugin, EVENT_STORE } from '@erbm/shared/api';
import type { EventStore } from '@erbm/shared/event-store';
import { ReadScopeGate } from '@erbm/ledger/read-models';
import { AuditHistoryController } from './audit-history.controller';
import { AuditLineageController } from './audit-lineage.controller';
import { AuditReader } from './audit-reader';
import { AuditSealsController } from './audit-seals.controller';
import { AuditStateController } from './audit-state.controller';
import { AuditWarningsController } from './audit-warnings.controller';
import { SgarController } from './sgar.controller';
import { ProgrammeSgarController } from './programme.controller';
import { SgarEnvelopesController } from './sgar-envelopes.controller';

/** The SGAR's cross-domain views and the auditors' trail; the process provides the read models through ProjectionsModule. */
@Module({
  controllers: [
    SgarController,
    SgarEnvelopesController,
    AuditHistoryController,
    AuditLineageController,
    AuditStateController,
    AuditSealsController,
    AuditWarningsController,
    ProgrammeSgarController,
  ],
  providers: [
    AuditReader,
    // The read scope's gate (as @erbm/ledger/api provides it: the SGAR's process may serve no domain's API).
    {
      provide: ReadScopeGate,
      useFactory: (store: EventStore, domains: readonly DomainPlugin[]) => new ReadScopeGate(store, domains),
      inject: [EVENT_STORE, DOMAIN_PLUGINS],
    },
  ],
})
export class SgarApiModule {}

import { Module } from '@nestjs/common';
import { ReadScopeGate } from '@erbm/ledger/api';
import { AuditHistoryController } from './audit-history.controller';
import { AuditLineageController } from './audit-lineage.controller';
import { AuditReader } from './audit-reader';
import { AuditSealsController } from './audit-seals.controller';
import { AuditStateController } from './audit-state.controller';
import { AuditWarningsController } from './audit-warnings.controller';
import { SgarController } from './sgar.controller';

/** The SGAR's cross-domain views and the auditors' trail; the process provides the read models through ProjectionsModule. */
@Module({
  controllers: [SgarController, AuditHistoryController, AuditLineageController, AuditStateController, AuditSealsController, AuditWarningsController],
  providers: [AuditReader, ReadScopeGate],
})
export class SgarApiModule {}

import { Module } from '@nestjs/common';
import { AuditHistoryController } from './audit-history.controller';
import { AuditLineageController } from './audit-lineage.controller';
import { AuditReader } from './audit-reader';
import { AuditSealsController } from './audit-seals.controller';
import { AuditStateController } from './audit-state.controller';
import { SgarController } from './sgar.controller';
import { SgarEnvelopesController } from './sgar-envelopes.controller';

/** The SGAR's cross-domain views and the auditors' trail; the process provides the read models through ProjectionsModule. */
@Module({
  controllers: [SgarController, SgarEnvelopesController, AuditHistoryController, AuditLineageController, AuditStateController, AuditSealsController],
  providers: [AuditReader],
})
export class SgarApiModule {}

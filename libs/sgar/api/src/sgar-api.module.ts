import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { SgarController } from './sgar.controller';

/** The SGAR's cross-domain views and the auditors' trail; the process provides the read models through ProjectionsModule. */
@Module({ controllers: [SgarController, AuditController] })
export class SgarApiModule {}

import { Module } from '@nestjs/common';
import { SgarController } from './sgar.controller';

/** The SGAR's cross-domain views on the read models; the process provides them through ProjectionsModule. */
@Module({ controllers: [SgarController] })
export class SgarApiModule {}

import { Controller, Get, HttpCode, Inject, Post, Query } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@erbm/shared/auth';
import { Access, CurrentPrincipal, SQL_DATABASE } from '@erbm/shared/api';
import { type SqlDatabase, createSeal, listSeals, verifyEventLog } from '@erbm/shared/event-store';
import { AuditOperation, badRequest } from './audit-reader';

/** The seals of the log, and the verification of every hash chain and every seal. */
@ApiTags('audit')
@Controller('audit')
export class AuditSealsController {
  constructor(@Inject(SQL_DATABASE) private readonly db: SqlDatabase) {}

  @Get('seals')
  @Access('read', 'audit')
  @AuditOperation('seals', 'The seals of the log: digests an auditor can keep outside the system')
  async seals() {
    return { seals: await listSeals(this.db) };
  }

  @Post('seals')
  @HttpCode(201)
  @Access('write', 'audit')
  @AuditOperation('seal', 'Seal the log up to its head now (admin)')
  async seal(@CurrentPrincipal() principal: Principal) {
    const seal = await createSeal(this.db, principal.userId);
    return seal ? { seal } : { seal: null, detail: 'nothing recorded since the last seal' };
  }

  @Get('verify')
  @Access('read', 'audit')
  @ApiQuery({ name: 'digest', required: false, description: 'a seal digest kept outside the system' })
  @AuditOperation('verify', 'Recompute every hash chain and every seal; name the first event that does not match')
  async verify(@Query('digest') digest?: string) {
    if (digest !== undefined && !/^[0-9a-fA-F]{64}$/.test(digest)) throw badRequest('digest', 'is 64 hexadecimal digits');
    return verifyEventLog(this.db, { digest });
  }
}

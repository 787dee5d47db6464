import { Controller, Get, HttpCode, Inject, Post, Query } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@erbm/shared/auth';
import { Access, CurrentPrincipal, EVENT_STORE, FieldErrors, ReadModels, SQL_DATABASE, WholeProgramme } from '@erbm/shared/api';
import { type EventStore, type SealKeeper, type SqlDatabase, sealKeeper } from '@erbm/shared/event-store';
import { AuditOperation } from './audit-reader';

/** The seals of the log, and the verification of every hash chain, every seal and the read models made from the log. */
@ApiTags('audit')
@Controller('audit')
export class AuditSealsController {
  private readonly keeper: SealKeeper;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(SQL_DATABASE) db: SqlDatabase,
    private readonly readModels: ReadModels,
  ) {
    this.keeper = sealKeeper(store, db);
  }

  @Get('seals')
  @Access('read', 'audit')
  @AuditOperation('seals', 'The seals of the log: digests an auditor can keep outside the system')
  async seals() {
    return { seals: await this.keeper.listSeals() };
  }

  @Post('seals')
  @HttpCode(201)
  @Access('write', 'audit')
  @AuditOperation('seal', 'Seal the log up to its head now (admin)')
  async seal(@CurrentPrincipal() principal: Principal) {
    const seal = await this.keeper.createSeal(principal.userId);
    return seal ? { seal } : { seal: null, detail: "rien n'a été enregistré depuis le dernier sceau" };
  }

  @Get('verify')
  @Access('read', 'audit')
  // Its report names the streams and rows of every party; the seals (digests of the whole log) reveal nothing and stay readable.
  @WholeProgramme()
  @ApiQuery({ name: 'digest', required: false, description: 'a seal digest kept outside the system' })
  @ApiQuery({
    name: 'replay',
    required: false,
    enum: ['true', 'false'],
    description: 'also replay the whole log into shadow tables and compare them with the live read models, row by row (reads the whole log)',
  })
  @AuditOperation(
    'verify',
    'Recompute every hash chain and every seal, and check the read models against the rows behind them (and, with replay, against a replay of the log); name the first thing that does not match',
  )
  async verify(@Query('digest') digest?: string, @Query('replay') replay?: string) {
    const errors = new FieldErrors();
    if (digest !== undefined && !/^[0-9a-fA-F]{64}$/.test(digest)) errors.add('digest', 'doit être 64 chiffres hexadécimaux');
    if (replay !== undefined && replay !== 'true' && replay !== 'false') errors.add('replay', 'vaut true ou false');
    errors.check();
    const log = await this.keeper.verifyEventLog({ digest });
    const readModels = await this.readModels.verify({ replay: replay === 'true' });
    return { ...log, ok: log.ok && readModels.ok, readModels };
  }
}

import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@erbm/shared/auth';
import { Access, CurrentPrincipal, FieldErrors, ProblemException, businessDateParam } from '@erbm/shared/api';
import { NotFound } from '@erbm/shared/kernel';
import { warningView } from '@erbm/ledger/domain';
import { commitmentAsOf, commitmentHistory } from './audit-trail';
import { AuditOperation, AuditReader, knownAt } from './audit-reader';

/** A commitment as the system knew it at a past time, or as of a business date as known now. */
@ApiTags('audit')
@Controller('audit')
export class AuditStateController {
  constructor(private readonly reader: AuditReader) {}

  @Get('state/commitment/:id')
  @Access('read', 'audit')
  @ApiQuery({ name: 'asKnownAt', required: false, description: 'what the system had recorded by then' })
  @ApiQuery({ name: 'asOf', required: false, description: 'business date: what had happened by then, as known now' })
  @AuditOperation('state', 'A commitment as known at a past time, or as of a business date')
  async state(@Param('id') id: string, @CurrentPrincipal() principal: Principal, @Query('asKnownAt') asKnownAtText?: string, @Query('asOf') asOfText?: string) {
    const errors = new FieldErrors();
    const asKnownAt = knownAt(errors, asKnownAtText);
    const asOf = asOfText === undefined ? undefined : businessDateParam(errors, 'asOf', asOfText);
    errors.check();
    const events = await this.reader.commitmentEvents(principal, id, asKnownAt).catch((e) => {
      if (e instanceof NotFound && asKnownAt)
        throw ProblemException.of(404, 'not-found', 'Introuvable', `L'engagement ${id} n'était pas encore enregistré le ${asKnownAt}.`);
      throw e;
    });
    if (asOf) return { commitmentId: id, asKnownAt: asKnownAt ?? null, ...commitmentAsOf(events, asOf) };
    const { state } = commitmentHistory(events);
    return {
      commitmentId: id,
      asKnownAt: asKnownAt ?? null,
      revision: events[events.length - 1].revision,
      state: state.status === 'none' ? state : { ...state, warnings: state.warnings.map(warningView) },
    };
  }
}

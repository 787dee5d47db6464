import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Referentials, loadReferentials } from '@erbm/shared/referentials';
import type { Clock } from '@erbm/shared/kernel';
import { Access } from './auth/auth';
import { InjectClock, asOfQuery } from './clock';
import { ProblemException } from './problem-details';
import { FieldErrors } from './validation';

export const REFERENTIALS = Symbol('REFERENTIALS');
export const referentialsProvider = { provide: REFERENTIALS, useFactory: () => loadReferentials() };

const LISTS = ['parties', 'departements', 'arrondissements', 'communes', 'fundingLines', 'governanceBodies'] as const;

@ApiTags('referentials')
@Controller('referentials')
export class ReferentialsController {
  constructor(
    @Inject(REFERENTIALS) private readonly referentials: Referentials,
    @InjectClock() private readonly clock: Clock,
  ) {}

  @Get(':list')
  @Access('read', '*')
  @ApiOperation({ summary: `One referential (${LISTS.join(', ')}), as valid at a date (default: today)` })
  list(@Param('list') list: string, @Query('date') date?: string) {
    if (!(LISTS as readonly string[]).includes(list))
      throw ProblemException.of(404, 'not-found', 'Introuvable', `Le référentiel « ${list} » n'existe pas ; les référentiels : ${LISTS.join(', ')}.`);
    const errors = new FieldErrors();
    const at = asOfQuery(date, this.clock, errors, 'date');
    errors.check();
    return { date: at, items: this.referentials[list as (typeof LISTS)[number]].validOn(at) };
  }
}

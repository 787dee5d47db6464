import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Referentials, loadReferentials } from '@erbm/shared/referentials';
import { type Clock, parseBusinessDate, todayInParis } from '@erbm/shared/kernel';
import { Access } from './auth/auth';
import { InjectClock } from './clock';
import { ProblemException } from './problem-details';

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
    if (!(LISTS as readonly string[]).includes(list)) throw ProblemException.of(404, 'not-found', 'Not found', `Referentials: ${LISTS.join(', ')}`);
    const at = date === undefined ? todayInParis(this.clock) : parseBusinessDate(date);
    if (!at)
      throw ProblemException.of(400, 'invalid-request', 'Invalid request', 'date must be a date', { errors: [{ field: 'date', reason: 'is not a date' }] });
    return { date: at, items: this.referentials[list as (typeof LISTS)[number]].validOn(at) };
  }
}

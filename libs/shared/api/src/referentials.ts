import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { type Referentials, loadReferentials, placeOf } from '@erbm/shared/referentials';
import type { Clock } from '@erbm/shared/kernel';
import { Access } from './auth/auth';
import { InjectClock, asOfQuery } from './clock';
import { ProblemException } from './problem-details';
import { FieldErrors } from './validation';

export const REFERENTIALS = Symbol('REFERENTIALS');
export const referentialsProvider = { provide: REFERENTIALS, useFactory: () => loadReferentials() };

export const REFERENTIAL_LISTS = [
  'parties',
  'departements',
  'arrondissements',
  'communes',
  'epcis',
  'contratsDeVille',
  'erbmPerimeter',
  'fundingLines',
  'governanceBodies',
] as const;
const LISTS = REFERENTIAL_LISTS;

const INSEE = /^\d[\dAB]\d{3}$/;

/** The lists whose items lie in a département (a party without one, such as a landlord, is then left out). */
const BY_DEPARTEMENT: readonly string[] = ['parties', 'departements', 'arrondissements', 'communes', 'epcis', 'contratsDeVille', 'erbmPerimeter'];

/** Whether an item lies in a département, for the lists whose items say so (a commune of the perimeter by its code). */
function inDepartement(item: object, departement: string): boolean {
  const i = item as { code?: string; departement?: string; departements?: string[]; insee?: string };
  if (i.departements) return i.departements.includes(departement);
  if (i.departement !== undefined) return i.departement.split('/').includes(departement);
  if (i.insee !== undefined) return i.insee.startsWith(departement);
  return i.code === departement;
}

@ApiTags('referentials')
@Controller('referentials')
export class ReferentialsController {
  constructor(
    @Inject(REFERENTIALS) private readonly referentials: Referentials,
    @InjectClock() private readonly clock: Clock,
  ) {}

  @Get('places/:insee')
  @Access('read', '*')
  @ApiParam({ name: 'insee', description: 'INSEE code of a commune (a former code of a commune nouvelle finds the commune it is part of)', example: '62498' })
  @ApiQuery({ name: 'date', required: false, description: 'Business date (default: today, Europe/Paris)' })
  @ApiOperation({ summary: 'Where a commune is at a date: its EPCI, arrondissement, département and whether it is in the ERBM perimeter' })
  place(@Param('insee') insee: string, @Query('date') date?: string) {
    const errors = new FieldErrors();
    if (!INSEE.test(insee)) errors.add('insee', "n'est pas un code INSEE de commune à 5 caractères");
    const at = asOfQuery(date, this.clock, errors, 'date');
    errors.check();
    return { date: at, ...placeOf(this.referentials, { communeInsee: insee }, at) };
  }

  @Get(':list')
  @Access('read', '*')
  @ApiQuery({ name: 'date', required: false, description: 'Business date (default: today, Europe/Paris)' })
  @ApiQuery({ name: 'departement', required: false, description: "Only the items of one département ('59' or '62'), for the lists that have one" })
  @ApiOperation({ summary: `One referential (${LISTS.join(', ')}), as valid at a date (default: today)` })
  list(@Param('list') list: string, @Query('date') date?: string, @Query('departement') departement?: string) {
    if (!(LISTS as readonly string[]).includes(list))
      throw ProblemException.of(404, 'not-found', 'Introuvable', `Le référentiel « ${list} » n'existe pas ; les référentiels : ${LISTS.join(', ')}.`);
    const errors = new FieldErrors();
    const at = asOfQuery(date, this.clock, errors, 'date');
    const codes = this.referentials.departements.all.map((d) => d.code);
    if (departement !== undefined && !BY_DEPARTEMENT.includes(list)) errors.add('departement', `ne filtre que les référentiels ${BY_DEPARTEMENT.join(', ')}`);
    else if (departement !== undefined && !codes.includes(departement)) errors.add('departement', `doit valoir l'une des valeurs ${codes.join(', ')}`);
    errors.check();
    const items: object[] = this.referentials[list as (typeof LISTS)[number]].validOn(at);
    return { date: at, items: departement === undefined ? items : items.filter((i) => inDepartement(i, departement)) };
  }
}

import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Access, WholeProgramme } from '@erbm/shared/api';
import { POLITIQUE_DE_LA_VILLE_DOMAIN } from '@erbm/politique-de-la-ville/contracts';
import { PolitiqueDeLaVilleOperationReader } from '../operations/operation-reader';
import { yearParam } from '../operations/operations.controller';

@ApiTags('politique-de-la-ville indicators')
@Controller('politique-de-la-ville/indicators')
export class PolitiqueDeLaVilleIndicatorsController {
  constructor(private readonly operations: PolitiqueDeLaVilleOperationReader) {}

  @Get()
  @Access('read', POLITIQUE_DE_LA_VILLE_DOMAIN)
  // Posts and structures counted over every operation, whoever finances them, and the € per QPV inhabitant of every
  // contrat de ville: the whole programme's figures, not a partner's or an arrondissement's part (the SGAR's views narrow).
  @WholeProgramme()
  @ApiQuery({ name: 'year', required: false, description: 'Fiscal year (default: the latest with funding)' })
  @ApiOperation({ summary: "A fiscal year's indicators with their definitions, in all and per arrondissement; € per QPV inhabitant per contrat de ville" })
  get(@Query('year') year?: string) {
    return this.operations.indicators(yearParam(year));
  }
}

@ApiTags('politique-de-la-ville indicators')
@Controller('politique-de-la-ville/envelopes')
export class PolitiqueDeLaVilleEnvelopesController {
  constructor(private readonly operations: PolitiqueDeLaVilleOperationReader) {}

  @Get()
  @Access('read', POLITIQUE_DE_LA_VILLE_DOMAIN)
  // What programme 147 committed adds up every financer's and place's commitments on it: the whole programme only.
  @WholeProgramme()
  @ApiQuery({ name: 'year', required: false, description: 'Only the envelopes covering this fiscal year' })
  @ApiOperation({ summary: 'The envelopes of programme 147 per year, against what is committed on P147 over their years, and the reste à engager' })
  envelopes(@Query('year') year?: string) {
    return this.operations.envelopes(yearParam(year));
  }
}

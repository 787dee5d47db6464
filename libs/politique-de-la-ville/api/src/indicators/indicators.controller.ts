import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '@erbm/shared/api';
import { POLITIQUE_DE_LA_VILLE_DOMAIN } from '@erbm/politique-de-la-ville/contracts';
import { PolitiqueDeLaVilleOperationReader } from '../operations/operation-reader';

@ApiTags('politique-de-la-ville indicators')
@Controller('politique-de-la-ville/indicators')
export class PolitiqueDeLaVilleIndicatorsController {
  constructor(private readonly operations: PolitiqueDeLaVilleOperationReader) {}

  @Get()
  @Access('read', POLITIQUE_DE_LA_VILLE_DOMAIN)
  @ApiOperation({ summary: 'Each indicator with its definition, unit and target, in all and per arrondissement' })
  get() {
    return this.operations.indicators();
  }
}

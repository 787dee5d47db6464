import { Module } from '@nestjs/common';
import { LedgerApiModule } from '@erbm/ledger/api';
import { PolitiqueDeLaVilleIndicatorsController } from './indicators/indicators.controller';
import { PolitiqueDeLaVilleOperationReader } from './operations/operation-reader';
import { PolitiqueDeLaVilleOperationsController } from './operations/operations.controller';
import { RecordPolitiqueDeLaVilleOperationFactHandler } from './operations/record-operation-fact';

/** This domain's API: its operations, and through the shared ledger module their commitments, meetings and decisions. */
@Module({
  imports: [LedgerApiModule],
  controllers: [PolitiqueDeLaVilleOperationsController, PolitiqueDeLaVilleIndicatorsController],
  providers: [PolitiqueDeLaVilleOperationReader, RecordPolitiqueDeLaVilleOperationFactHandler],
})
export class PolitiqueDeLaVilleApiModule {}

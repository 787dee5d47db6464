import { Module } from '@nestjs/common';
import { LedgerApiModule } from '@erbm/ledger/api';
import { AdultesRelaisImport, PostesFonjepImport } from './imports/p147-posts.import';
import { PolitiqueDeLaVilleEnvelopesController, PolitiqueDeLaVilleIndicatorsController } from './indicators/indicators.controller';
import { PolitiqueDeLaVilleOperationReader } from './operations/operation-reader';
import { PolitiqueDeLaVilleDispositifsController, PolitiqueDeLaVilleOperationsController } from './operations/operations.controller';
import { RecordPolitiqueDeLaVilleOperationFactHandler } from './operations/record-operation-fact';

/** This domain's API: its posts and actions, the files it imports, and through the shared ledger module their commitments and acts. */
@Module({
  imports: [LedgerApiModule],
  controllers: [
    PolitiqueDeLaVilleOperationsController,
    PolitiqueDeLaVilleDispositifsController,
    PolitiqueDeLaVilleIndicatorsController,
    PolitiqueDeLaVilleEnvelopesController,
  ],
  providers: [PolitiqueDeLaVilleOperationReader, RecordPolitiqueDeLaVilleOperationFactHandler, AdultesRelaisImport, PostesFonjepImport],
  exports: [AdultesRelaisImport, PostesFonjepImport],
})
export class PolitiqueDeLaVilleApiModule {}

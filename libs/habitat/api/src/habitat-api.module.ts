import { Module } from '@nestjs/common';
import { LedgerApiModule } from '@erbm/ledger/api';
import { GetOperationHandler, HabitatOperations, OperationsController, RecordOperationFactHandler } from './operations/operations';

/** The habitat team's API: operations, and through the shared ledger module their commitments, meetings and decisions. */
@Module({
  imports: [LedgerApiModule],
  controllers: [OperationsController],
  providers: [HabitatOperations, RecordOperationFactHandler, GetOperationHandler],
  exports: [HabitatOperations],
})
export class HabitatApiModule {}

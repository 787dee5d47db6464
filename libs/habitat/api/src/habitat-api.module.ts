import { Module } from '@nestjs/common';
import { LedgerApiModule } from '@erbm/ledger/api';
import { GetIndicatorsHandler, GetOperationHandler, HabitatOperations, IndicatorsController, ListOperationsHandler, OperationsController, RecordOperationFactHandler } from './operations/operations';

/** The habitat team's API: operations, and through the shared ledger module their commitments, meetings and decisions. */
@Module({
  imports: [LedgerApiModule],
  controllers: [OperationsController, IndicatorsController],
  providers: [HabitatOperations, RecordOperationFactHandler, GetOperationHandler, ListOperationsHandler, GetIndicatorsHandler],
  exports: [HabitatOperations],
})
export class HabitatApiModule {}

import { Module } from '@nestjs/common';
import { LedgerApiModule } from '@erbm/ledger/api';
import { GetOperationHandler } from './operations/get-operation';
import { HabitatOperations } from './operations/habitat-operations';
import { GetIndicatorsHandler, ListOperationsHandler } from './operations/list-operations';
import { IndicatorsController, OperationsController } from './operations/operations.controller';
import { RecordOperationFactHandler } from './operations/record-operation-fact';

/**
 * The habitat team's API: operations, and through the shared ledger module their commitments, meetings and decisions.
 * Its lists read the habitat register and the ledger register: the process provides them (ProjectionsModule).
 */
@Module({
  imports: [LedgerApiModule],
  controllers: [OperationsController, IndicatorsController],
  providers: [HabitatOperations, RecordOperationFactHandler, GetOperationHandler, ListOperationsHandler, GetIndicatorsHandler],
  exports: [HabitatOperations],
})
export class HabitatApiModule {}

import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import type { ReadScope } from '@erbm/shared/api';
import { HabitatOperations, type OperationView } from './habitat-operations';

export class GetOperation extends Query<OperationView> {
  constructor(
    readonly operationId: string,
    readonly asOf?: string,
    readonly recordedUpTo?: string,
    readonly scope?: ReadScope,
  ) {
    super();
  }
}

@QueryHandler(GetOperation)
export class GetOperationHandler implements IQueryHandler<GetOperation> {
  constructor(private readonly operations: HabitatOperations) {}
  execute(q: GetOperation): Promise<OperationView> {
    return this.operations.view(q.operationId, { asOf: q.asOf, recordedUpTo: q.recordedUpTo, scope: q.scope });
  }
}

import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type CommandContext, CommandPath, InjectClock } from '@erbm/shared/api';
import { type Clock, NotFound, type WithoutToday, todayInParis } from '@erbm/shared/kernel';
import { type OperationCommand, decideOperation, foldOperation, operationStreamName } from '@erbm/habitat/domain';
import { Beneficiaries } from '@erbm/ledger/api';
import { HabitatOperations, type OperationView } from './habitat-operations';

/** A command as a request or the demo gives it: the handler adds today's date from the process's clock. */
export type OperationRequestCommand = WithoutToday<OperationCommand>;

export class RecordOperationFact extends Command<OperationView> {
  constructor(
    readonly operationId: string,
    readonly command: OperationRequestCommand,
    readonly request: { sourceDocument?: { kind: string; reference: string; sha256?: string } },
    readonly ctx: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(RecordOperationFact)
export class RecordOperationFactHandler implements ICommandHandler<RecordOperationFact> {
  constructor(
    private readonly operations: HabitatOperations,
    private readonly commands: CommandPath,
    private readonly beneficiaries: Beneficiaries,
    @InjectClock() private readonly clock: Clock,
  ) {}

  async execute({ operationId, command, request, ctx }: RecordOperationFact): Promise<OperationView> {
    // A beneficiary is named by its id: one the ledger has registered (422 unknown-beneficiary otherwise).
    const beneficiaryId = command.type === 'register' ? command.beneficiaryId : command.type === 'amend' ? command.changes.beneficiaryId : undefined;
    if (beneficiaryId !== undefined) await this.beneficiaries.require(beneficiaryId);
    const outcome = await this.commands.run(ctx, {
      stream: operationStreamName(operationId),
      fold: foldOperation,
      decide: ({ state }) => {
        if (command.type !== 'register' && state.status === 'none') throw new NotFound('operation', operationId);
        // An operation's id derives from the Idempotency-Key: a retry after a crash finds it registered (CommandPath
        // answers as of that registration; this guard is for a stream that has it under other event ids).
        if (command.type === 'register' && state.status !== 'none') return { events: [], meta: { occurredAt: command.date } };
        const today = todayInParis(this.clock);
        const resolved: OperationCommand =
          command.type === 'register'
            ? ({ ...command, ...this.operations.resolveTerritory(command, command.date), today } as OperationCommand)
            : command.type === 'amend'
              ? { ...command, changes: this.operations.resolveTerritory(command.changes, command.date), today }
              : { ...command, today };
        return {
          events: decideOperation(resolved, state),
          meta: { occurredAt: command.date, reason: command.type === 'amend' ? command.reason : undefined, sourceDocument: request.sourceDocument },
        };
      },
    });
    // The operation right after this write, whatever was appended since: what the first attempt answered.
    return this.operations.view(operationId, { upToRevision: outcome.revision });
  }
}

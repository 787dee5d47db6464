import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type CommandContext, CommandPath, type WriteRequest } from '@erbm/shared/api';
import { NotFound, assertNever } from '@erbm/shared/kernel';
import { politiqueDeLaVilleOperationStream } from '@erbm/politique-de-la-ville/contracts';
import { type OperationCommand, decideOperation, foldOperation } from '@erbm/politique-de-la-ville/domain';
import { type OperationView, PolitiqueDeLaVilleOperationReader } from './operation-reader';

type Register = Extract<OperationCommand, { type: 'register' }>;
/** A command as a request gives it: the arrondissement is not the client's to say, it follows from the commune. */
export type OperationRequestCommand = Omit<Register, 'arrondissement'> | Exclude<OperationCommand, Register>;

export class RecordPolitiqueDeLaVilleOperationFact extends Command<OperationView> {
  constructor(
    readonly operationId: string,
    readonly command: OperationRequestCommand,
    readonly request: WriteRequest,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(RecordPolitiqueDeLaVilleOperationFact)
export class RecordPolitiqueDeLaVilleOperationFactHandler implements ICommandHandler<RecordPolitiqueDeLaVilleOperationFact> {
  constructor(
    private readonly operations: PolitiqueDeLaVilleOperationReader,
    private readonly commands: CommandPath,
  ) {}

  async execute({ operationId, command, request, ctx }: RecordPolitiqueDeLaVilleOperationFact): Promise<OperationView> {
    await this.commands.run(ctx, {
      stream: politiqueDeLaVilleOperationStream(operationId),
      fold: foldOperation,
      decide: ({ state }) => {
        if (command.type !== 'register' && state.status === 'none') throw new NotFound('operation', operationId);
        // The id derives from the Idempotency-Key: a retry after a crash finds the operation registered already.
        if (command.type === 'register' && state.status !== 'none') return { events: [], meta: { occurredAt: command.date } };
        return {
          events: decideOperation(this.placed(command), state),
          meta: { occurredAt: command.date, reason: command.type === 'amend' ? command.reason : undefined, sourceDocument: request.sourceDocument },
        };
      },
    });
    return this.operations.view(operationId);
  }

  private placed(command: OperationRequestCommand): OperationCommand {
    switch (command.type) {
      case 'register':
        return { ...command, arrondissement: this.operations.arrondissementOf(command.communeInsee, command.date) };
      case 'amend': {
        const { communeInsee } = command.changes;
        return communeInsee === undefined
          ? command
          : { ...command, changes: { ...command.changes, arrondissement: this.operations.arrondissementOf(communeInsee, command.date) } };
      }
      case 'attachCommitment':
        return command;
      default:
        return assertNever(command);
    }
  }
}

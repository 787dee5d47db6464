import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type CommandContext, CommandPath, REFERENTIALS, type WriteRequest } from '@erbm/shared/api';
import { NotFound } from '@erbm/shared/kernel';
import type { Referentials } from '@erbm/shared/referentials';
import { Beneficiaries } from '@erbm/ledger/api';
import { politiqueDeLaVilleOperationStream } from '@erbm/politique-de-la-ville/contracts';
import { type OperationCommand, type OperationDetails, decideOperation, foldOperation } from '@erbm/politique-de-la-ville/domain';
import { type OperationView, PolitiqueDeLaVilleOperationReader } from './operation-reader';
import { placeOperation } from './place-operation';

type Register = Extract<OperationCommand, { type: 'register' }>;
type Derived = 'arrondissement' | 'epci' | 'departement' | 'flags';
/** A command as a request gives it: where the operation is follows from its commune or its contrat de ville. */
export type OperationRequestCommand =
  | (Omit<Register, Derived> & { departement?: string })
  | { type: 'amend'; changes: Partial<Omit<OperationDetails, Derived | 'kind' | 'postId'>>; reason?: string; date: string };

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
    private readonly beneficiaries: Beneficiaries,
    @Inject(REFERENTIALS) private readonly referentials: Referentials,
  ) {}

  async execute({ operationId, command, request, ctx }: RecordPolitiqueDeLaVilleOperationFact): Promise<OperationView> {
    const beneficiaryId = command.type === 'register' ? command.beneficiaryId : command.changes.beneficiaryId;
    if (beneficiaryId !== undefined) await this.beneficiaries.require(beneficiaryId);
    await this.commands.run(ctx, {
      stream: politiqueDeLaVilleOperationStream(operationId),
      fold: foldOperation,
      decide: ({ state }) => {
        if (command.type !== 'register' && state.status === 'none') throw new NotFound('operation', operationId);
        // The id derives from the Idempotency-Key: a retry after a crash finds the operation registered already.
        if (command.type === 'register' && state.status !== 'none') return { events: [], meta: { occurredAt: command.date } };
        const placed: OperationCommand =
          command.type === 'register'
            ? { ...command, ...placeOperation(this.referentials, command, command.date) }
            : {
                ...command,
                changes: {
                  ...command.changes,
                  ...(command.changes.communeInsee !== undefined || command.changes.contratDeVille !== undefined
                    ? placeOperation(this.referentials, { ...(state.status === 'registered' ? state : {}), ...command.changes }, command.date)
                    : {}),
                },
              };
        return {
          events: decideOperation(placed, state),
          meta: { occurredAt: command.date, reason: command.type === 'amend' ? command.reason : undefined, sourceDocument: request.sourceDocument },
        };
      },
    });
    return this.operations.view(operationId);
  }
}

import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type CommandContext, CommandPath, REFERENTIALS, type WriteRequest } from '@erbm/shared/api';
import { NotFound, RuleViolation, formatBusinessDate } from '@erbm/shared/kernel';
import { type Referentials, placeOf } from '@erbm/shared/referentials';
import { Beneficiaries } from '@erbm/ledger/api';
import { type PolitiqueDeLaVilleOperationFlag, politiqueDeLaVilleOperationStream } from '@erbm/politique-de-la-ville/contracts';
import { type OperationCommand, type OperationDetails, decideOperation, foldOperation } from '@erbm/politique-de-la-ville/domain';
import { type OperationView, PolitiqueDeLaVilleOperationReader } from './operation-reader';

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
            ? { ...command, ...this.place(command, command.date) }
            : {
                ...command,
                changes: {
                  ...command.changes,
                  ...(command.changes.communeInsee !== undefined || command.changes.contratDeVille !== undefined
                    ? this.place({ ...(state.status === 'registered' ? state : {}), ...command.changes }, command.date)
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

  /** Where the operation is, from its commune, else its contrat de ville's EPCI, else its département; and its flags. */
  private place(d: { communeInsee?: string; contratDeVille?: string; departement?: string }, date: string): Pick<OperationDetails, Derived> {
    if (d.communeInsee !== undefined && !this.referentials.communes.at(d.communeInsee, date))
      throw new RuleViolation(
        'unknown-commune',
        `La commune ${d.communeInsee} n'est pas dans le référentiel du Nord et du Pas-de-Calais au ${formatBusinessDate(date)} (voir /referentials/communes)`,
        'communeInsee',
      );
    const cv = d.contratDeVille ? this.referentials.contratsDeVille.at(d.contratDeVille, date) : undefined;
    if (d.contratDeVille && !cv)
      throw new RuleViolation(
        'unknown-contrat-de-ville',
        `Aucun contrat de ville ${d.contratDeVille} en vigueur au ${formatBusinessDate(date)}`,
        'contratDeVille',
      );
    const place = placeOf(this.referentials, { communeInsee: d.communeInsee, epci: cv?.epci, departement: d.departement }, date);
    // A contrat de ville is its intercommunalité's: a commune of another one is a mistake in one of the two.
    if (cv && place.known === 'commune' && place.epci !== cv.epci)
      throw new RuleViolation(
        'commune-outside-contrat-de-ville',
        `La commune ${d.communeInsee} n'est pas dans l'intercommunalité du contrat de ville ${cv.code} (${cv.label}) au ${formatBusinessDate(date)}`,
        'communeInsee',
      );
    const departement = place.departement ?? d.departement;
    if (!departement) throw new RuleViolation('missing-field', 'Donnez la commune, le contrat de ville ou le département', 'departement');
    const flags: PolitiqueDeLaVilleOperationFlag[] = [];
    if (!cv) flags.push('sans-contrat-de-ville');
    if (place.erbm === false) flags.push('hors-perimetre-erbm');
    return {
      departement,
      ...(place.arrondissement ? { arrondissement: place.arrondissement } : {}),
      ...(place.epci ? { epci: place.epci } : {}),
      ...(flags.length ? { flags } : {}),
    } as Pick<OperationDetails, Derived>;
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler, type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import {
  type CommandContext,
  CommandPath,
  EventSourcedRepository,
  InjectClock,
  REFERENTIALS,
  type WriteRequest,
  centsOf,
  failpoint,
  newIdFor,
} from '@erbm/shared/api';
import type { Referentials } from '@erbm/shared/referentials';
import {
  type ActEvent,
  type ActState,
  type CitedAct,
  type CitedDecision,
  type CommitmentCommand,
  type CommitmentEvent,
  type CommitmentState,
  type MeetingEvent,
  actRefOf,
  actStreamName,
  commitmentStreamName,
  decideCommitment,
  foldAct,
  foldCommitment,
  foldMeeting,
  meetingStreamName,
  netCommitted,
} from '@erbm/ledger/domain';
import { type Clock, NotFound, RuleViolation, fiscalYearOf, formatBusinessDate, todayInParis } from '@erbm/shared/kernel';
import { OperationDirectories } from '../operation-directory';
import { ProgrammeRegisterReader } from '../programme/programme-register.reader';
import { DecisionProgrammings } from '../programmings/decision-programmings';
import { Beneficiaries } from '../beneficiaries/beneficiaries';
import type { StepBuilder } from './commitment-steps';
import { type CommitmentView, commitmentView } from './commitment-view';
import type { ActRefRequest, AnnounceCommitmentRequest, DecisionRefRequest } from './commitment.requests';
import { EnvelopeService } from '../envelopes/envelopes';

export interface CommitmentResult {
  view: CommitmentView;
}

/**
 * Reads commitments, decisions and envelopes from their streams: fresh right after a write, no projection involved (but
 * for the agreement in force when a commitment was announced, which the programme register says).
 */
@Injectable()
export class CommitmentReader {
  constructor(
    private readonly repository: EventSourcedRepository,
    private readonly directories: OperationDirectories,
    @Inject(REFERENTIALS) private readonly referentials: Referentials,
    @InjectClock() private readonly clock: Clock,
    private readonly programme: ProgrammeRegisterReader,
  ) {}

  /** Today in Europe/Paris, from the process's one clock: what every command carries. */
  today(): string {
    return todayInParis(this.clock);
  }

  requireDomain(domain: string): void {
    if (!this.directories.served(domain)) throw new NotFound('domain', domain);
  }

  async load(domain: string, commitmentId: string, recordedUpTo?: string, upToRevision?: number) {
    this.requireDomain(domain);
    const loaded = await this.repository.load<CommitmentState, CommitmentEvent>(commitmentStreamName(commitmentId), foldCommitment, {
      recordedUpTo,
      upToRevision,
    });
    if (loaded.state.status === 'none' || loaded.state.domain !== domain) throw new NotFound('commitment', commitmentId);
    return loaded;
  }

  /** The commitment now, as known at a past time, or right after a given revision (a write's own answer). */
  async view(domain: string, commitmentId: string, recordedUpTo?: string, upToRevision?: number): Promise<CommitmentView> {
    const loaded = await this.load(domain, commitmentId, recordedUpTo, upToRevision);
    const announcedOn = loaded.state.status === 'none' ? undefined : loaded.state.announcedOn;
    return commitmentView(commitmentId, loaded.state, loaded.events, announcedOn ? await this.programme.agreementAt(announcedOn) : null);
  }

  /** The decision a request cites, with what its meeting decided (outcome, amounts) for the decider to check. */
  async decision(ref: DecisionRefRequest): Promise<CitedDecision> {
    const { state } = await this.repository.load(meetingStreamName(ref.meetingId), (events: MeetingEvent[]) => foldMeeting(events));
    if (state.status === 'none') throw new RuleViolation('unknown-decision', `Aucune réunion ${ref.meetingId} n'est enregistrée`, 'decision.meetingId');
    const decision = state.decisions.find((d) => d.decisionId === ref.decisionId);
    if (!decision) throw new RuleViolation('unknown-decision', `La réunion ${ref.meetingId} n'a pris aucune décision ${ref.decisionId}`, 'decision.decisionId');
    return {
      meetingId: ref.meetingId,
      decisionId: ref.decisionId,
      date: state.date,
      body: state.body,
      outcome: decision.outcome,
      amounts: decision.amounts,
    };
  }

  /** The act a request cites, with the amounts it grants for the decider to check. */
  async act(ref: ActRefRequest): Promise<CitedAct> {
    const { state } = await this.repository.load<ActState, ActEvent>(actStreamName(ref.actId), foldAct);
    if (state.status === 'none') throw new RuleViolation('unknown-act', `Aucun acte ${ref.actId} n'est enregistré (voir /acts)`, 'act.actId');
    return { ...actRefOf(state), amounts: state.amounts };
  }

  /** The operation's eligible cost and what its other commitments have committed, for the over-commitment warning. */
  async envelope(domain: string, operationId: string, exceptCommitmentId: string) {
    const financing = await this.directories.financing(domain, operationId);
    if (!financing || financing.eligibleCostCents === undefined) return undefined;
    let other = 0;
    for (const id of financing.commitmentIds.filter((c) => c !== exceptCommitmentId)) {
      const { state } = await this.repository.load<CommitmentState, CommitmentEvent>(commitmentStreamName(id), foldCommitment);
      if (state.status !== 'none') other += netCommitted(state.ledgers);
    }
    return { eligibleCostCents: financing.eligibleCostCents, otherCommitmentsCents: other };
  }

  checkParty(field: string, party: string, date: string): void {
    if (!this.referentials.parties.at(party, date))
      throw new RuleViolation(
        this.referentials.parties.has(party) ? 'party-not-valid-at-date' : 'unknown-party',
        `${party} n'est pas une partie connue au ${formatBusinessDate(date)} (voir /referentials/parties)`,
        field,
      );
  }

  checkFundingLine(fundingLine: string, date: string, financer?: string): void {
    const line = this.referentials.fundingLines.at(fundingLine, date);
    if (!line)
      throw new RuleViolation(
        this.referentials.fundingLines.has(fundingLine) ? 'funding-line-not-valid-at-date' : 'unknown-funding-line',
        `${fundingLine} n'est pas une ligne de financement ouverte au ${formatBusinessDate(date)} (voir /referentials/fundingLines)`,
        'fundingLine',
      );
    if (financer && line.owner !== financer)
      throw new RuleViolation(
        'funding-line-of-another-financer',
        `La ligne de financement ${fundingLine} est un budget de ${line.owner}, pas de ${financer}`,
        'fundingLine',
      );
  }
}

export class AnnounceCommitment extends Command<CommitmentResult> {
  constructor(
    readonly domain: string,
    readonly operationId: string,
    readonly request: AnnounceCommitmentRequest,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(AnnounceCommitment)
export class AnnounceCommitmentHandler implements ICommandHandler<AnnounceCommitment> {
  constructor(
    private readonly reader: CommitmentReader,
    private readonly commands: CommandPath,
    private readonly directories: OperationDirectories,
    private readonly beneficiaries: Beneficiaries,
  ) {}

  async execute({ domain, operationId, request, ctx }: AnnounceCommitment): Promise<CommitmentResult> {
    this.reader.requireDomain(domain);
    if (!(await this.directories.financing(domain, operationId))) throw new NotFound('operation', operationId);
    this.reader.checkParty('financer', request.financer, request.date);
    this.reader.checkFundingLine(request.fundingLine, request.date, request.financer);
    if (request.beneficiaryId) await this.beneficiaries.require(request.beneficiaryId);
    const commitmentId = newIdFor(ctx, 'commitment');
    const line = { commitmentId, financer: request.financer, fundingLine: request.fundingLine };
    const outcome = await this.commands.run(ctx, {
      stream: commitmentStreamName(commitmentId),
      fold: foldCommitment,
      // The id derives from the Idempotency-Key: a retry after a crash finds the commitment already announced, and
      // CommandPath answers as of that announcement.
      decide: ({ state }) => ({
        events:
          state.status !== 'none'
            ? []
            : decideCommitment(
                {
                  type: 'announce',
                  operationId,
                  domain,
                  ...line,
                  fiscalYear: request.fiscalYear ?? fiscalYearOf(request.date),
                  amountCents: centsOf(request),
                  date: request.date,
                  ...(request.beneficiaryId ? { beneficiaryId: request.beneficiaryId } : {}),
                  today: this.reader.today(),
                },
                state,
              ),
        meta: { occurredAt: request.date, sourceDocument: request.sourceDocument },
      }),
    });
    await failpoint('commitment-announced');
    // The operation's financing plan follows from the announcement. Done here so that the answer shows it; if the
    // process stops first, FinancingLinks completes it from the announcement after the restart.
    await this.directories.attach(domain, operationId, line, ctx, request.date);
    return { view: await this.reader.view(domain, commitmentId, undefined, outcome.revision) };
  }
}

export class RecordCommitmentStep extends Command<CommitmentResult> {
  constructor(
    readonly domain: string,
    readonly commitmentId: string,
    readonly build: StepBuilder,
    readonly request: WriteRequest,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(RecordCommitmentStep)
export class RecordCommitmentStepHandler implements ICommandHandler<RecordCommitmentStep> {
  constructor(
    private readonly reader: CommitmentReader,
    private readonly commands: CommandPath,
    private readonly programmings: DecisionProgrammings,
    private readonly envelopes: EnvelopeService,
    private readonly beneficiaries: Beneficiaries,
  ) {}

  async execute({ domain, commitmentId, build, request, ctx }: RecordCommitmentStep): Promise<CommitmentResult> {
    await this.reader.load(domain, commitmentId);
    let corrects = false;
    const outcome = await this.commands.run(ctx, {
      stream: commitmentStreamName(commitmentId),
      fold: foldCommitment,
      decide: async ({ state }) => {
        if (state.status === 'none') throw new NotFound('commitment', commitmentId);
        const built = await build({
          decision: (ref) => this.reader.decision(ref),
          act: (ref) => this.reader.act(ref),
          envelope: () => this.reader.envelope(domain, state.operationId, commitmentId),
          // The year the money is committed in: the year of the commit's (or increase's) date.
          fundingEnvelope: (date) => this.envelopes.use(state.fundingLine, fiscalYearOf(date)),
          checkFundingLine: (line, date) => this.reader.checkFundingLine(line, date, state.financer),
          requireBeneficiary: (id) => this.beneficiaries.require(id),
        });
        const command = { ...built, today: this.reader.today() } as CommitmentCommand;
        corrects = command.type === 'correct';
        const legalAct = 'legalAct' in command ? command.legalAct : undefined;
        return {
          events: decideCommitment(command, state),
          meta: {
            occurredAt: command.date,
            reason: 'reason' in command ? command.reason : undefined,
            sourceDocument: request.sourceDocument ?? (legalAct ? { kind: legalAct.kind, reference: legalAct.reference } : undefined),
          },
        };
      },
    });
    // A programming corrected downwards gives the difference back to its decision, in the decision's meeting (after a
    // crash here, FinancingLinks does it).
    if (corrects && outcome.appended > 0) await this.programmings.releaseCorrected(commitmentId, outcome.revision, ctx);
    // The answer is the commitment right after this write, whatever another writer appended since: its ETag is the
    // revision this write made.
    return { view: await this.reader.view(domain, commitmentId, undefined, outcome.revision) };
  }
}

export class GetCommitment extends Query<CommitmentView> {
  constructor(
    readonly domain: string,
    readonly commitmentId: string,
    readonly recordedUpTo?: string,
  ) {
    super();
  }
}

@QueryHandler(GetCommitment)
export class GetCommitmentHandler implements IQueryHandler<GetCommitment> {
  constructor(private readonly reader: CommitmentReader) {}

  execute({ domain, commitmentId, recordedUpTo }: GetCommitment): Promise<CommitmentView> {
    return this.reader.view(domain, commitmentId, recordedUpTo);
  }
}

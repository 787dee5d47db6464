import { Body, Controller, Get, Inject, Injectable, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  Access,
  ApiETag,
  ApiIfMatch,
  BusinessDate,
  type CommandContext,
  CommandPath,
  Ctx,
  EventSourcedRepository,
  NestedList,
  REFERENTIALS,
  Text,
  WriteRequest,
  etag,
  newIdFor,
} from '@erbm/shared/api';
import type { StoredEvent } from '@erbm/shared/event-store';
import type { Referentials } from '@erbm/shared/referentials';
import {
  type AgreementCommand,
  type AgreementEvent,
  type AgreementState,
  type Predecessor,
  type SignedAgreement,
  agreementStreamName,
  decideAgreement,
  foldAgreement,
  versionAt,
} from '@erbm/ledger/domain';
import { NotFound, type WithoutToday } from '@erbm/shared/kernel';
import { CommitmentReader } from '../commitments/commitment.handlers';
import { ProgrammeRegisterReader } from './programme-register.reader';

export class SignatoryRequest {
  @Text({ max: 100, description: 'A party of the referential (see /referentials/parties)', example: 'region_hdf' })
  party!: string;
}

export class LeavingSignatoryRequest extends SignatoryRequest {
  @Text({ max: 1000, example: 'Retrait délibéré par le conseil communautaire' })
  reason!: string;
}

export class SignAgreementRequest extends WriteRequest {
  @Text({ optional: true, max: 100, description: 'Id of the agreement (default: generated)', example: 'erbm-2027' })
  agreementId?: string;

  @Text({ max: 300, example: 'Engagement pour le renouveau du bassin minier (2e génération)' })
  title!: string;

  @BusinessDate()
  signedOn!: string;

  @BusinessDate()
  periodFrom!: string;

  @BusinessDate()
  periodTo!: string;

  @Text({ max: 2000, description: 'What it covers: territory and policies' })
  scope!: string;

  @NestedList(() => SignatoryRequest, { max: 100, description: 'The parties that sign it, on the day it is signed' })
  signatories!: SignatoryRequest[];

  @Text({ optional: true, max: 100, description: 'The agreement this one succeeds', example: 'erbm-2017' })
  succeeds?: string;

  @BusinessDate({ optional: true, description: 'The day it takes effect, if not the start of its period (a successor: the day it takes over)' })
  inForceFrom?: string;
}

export class AmendAgreementRequest extends WriteRequest {
  @Text({ max: 200, description: 'Reference of the amendment (avenant n°)', example: 'Avenant n° 1' })
  reference!: string;

  @BusinessDate()
  signedOn!: string;

  @BusinessDate({ description: 'The day it takes effect: the version it makes counts from then' })
  effectiveFrom!: string;

  @Text({ max: 2000 })
  subject!: string;

  @BusinessDate({ optional: true, description: 'A new end of the period' })
  periodTo?: string;

  @Text({ optional: true, max: 2000, description: 'A new scope' })
  scope?: string;

  @NestedList(() => SignatoryRequest, { optional: true, max: 100, description: 'Parties that join, from effectiveFrom' })
  joining?: SignatoryRequest[];

  @NestedList(() => LeavingSignatoryRequest, { optional: true, max: 100, description: 'Parties that leave, from effectiveFrom' })
  leaving?: LeavingSignatoryRequest[];
}

/** An agreement as its readers see it: its current terms, its signatories by date and its amendments, each a version. */
export function agreementView(state: SignedAgreement, events: readonly StoredEvent[], succeededBy: string[], today: string) {
  return {
    id: state.agreementId,
    revision: state.revision,
    title: state.title,
    signedOn: state.signedOn,
    periodFrom: state.periodFrom,
    periodTo: state.periodTo,
    scope: state.scope,
    ...(state.succeeds !== undefined ? { succeeds: state.succeeds } : {}),
    ...(state.inForceFrom !== undefined ? { inForceFrom: state.inForceFrom } : {}),
    succeededBy,
    version: versionAt(state.amendments, today),
    signatories: state.signatories.map((s) => ({
      party: s.party,
      joinedOn: s.from,
      ...(s.until !== undefined ? { leftOn: s.until, reason: s.leaveReason } : {}),
    })),
    agreementAmendments: [...state.amendments]
      .sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom))
      .map((a) => ({
        id: a.amendmentId,
        version: versionAt(state.amendments, a.effectiveFrom),
        reference: a.reference,
        signedOn: a.signedOn,
        effectiveFrom: a.effectiveFrom,
        subject: a.subject,
        ...(a.periodTo !== undefined ? { periodTo: a.periodTo } : {}),
        ...(a.scope !== undefined ? { scope: a.scope } : {}),
      })),
    ...(events.length > 0 ? { recordedAt: events[0].recordedAt, recordedBy: events[0].envelope.actor } : {}),
  };
}
export type AgreementView = ReturnType<typeof agreementView>;

type AgreementRequestCommand = WithoutToday<AgreementCommand>;

@Injectable()
export class AgreementService {
  constructor(
    private readonly repository: EventSourcedRepository,
    private readonly commands: CommandPath,
    private readonly commitments: CommitmentReader,
    private readonly register: ProgrammeRegisterReader,
    @Inject(REFERENTIALS) private readonly referentials: Referentials,
  ) {}

  private async successorsOf(agreementId: string): Promise<string[]> {
    return (await this.register.agreements()).filter((r) => r.succeeds === agreementId).map((r) => r.id);
  }

  async view(agreementId: string, upToRevision?: number): Promise<AgreementView> {
    const loaded = await this.repository.load(agreementStreamName(agreementId), (events: AgreementEvent[]) => foldAgreement(events), { upToRevision });
    if (loaded.state.status === 'none') throw new NotFound('agreement', agreementId);
    return agreementView(loaded.state, loaded.events, await this.successorsOf(agreementId), this.commitments.today());
  }

  async list(): Promise<AgreementView[]> {
    const rows = await this.register.agreements();
    const today = this.commitments.today();
    return rows.map((r) =>
      agreementView(
        r.state,
        [],
        rows.filter((s) => s.succeeds === r.id).map((s) => s.id),
        today,
      ),
    );
  }

  private async predecessor(id: string | undefined): Promise<Predecessor | undefined> {
    if (id === undefined) return undefined;
    const { state } = await this.repository.load(agreementStreamName(id), (events: AgreementEvent[]) => foldAgreement(events));
    return state.status === 'signed' ? { agreementId: id, periodFrom: state.periodFrom, periodTo: state.periodTo } : undefined;
  }

  private checkParties(parties: readonly string[], date: string, field: (i: number) => string): void {
    parties.forEach((party, i) => this.commitments.checkParty(field(i), party, date));
  }

  async record(agreementId: string, command: AgreementRequestCommand, ctx: CommandContext, request: WriteRequest, isNew: boolean): Promise<AgreementView> {
    if (command.type === 'sign') this.checkParties(command.signatories, command.signedOn, (i) => `signatories[${i}].party`);
    else this.checkParties(command.joining, command.effectiveFrom, (i) => `joining[${i}].party`);
    const predecessor = command.type === 'sign' ? await this.predecessor(command.succeeds) : undefined;
    const outcome = await this.commands.run(ctx, {
      stream: agreementStreamName(agreementId),
      fold: (events: AgreementEvent[]) => foldAgreement(events),
      decide: ({ state }: { state: AgreementState }) => {
        if (!isNew && state.status === 'none') throw new NotFound('agreement', agreementId);
        const today = this.commitments.today();
        const decided: AgreementCommand = command.type === 'sign' ? { ...command, predecessor, today } : { ...command, today };
        const occurredAt = command.type === 'sign' ? command.signedOn : command.effectiveFrom;
        return { events: decideAgreement(decided, state), meta: { occurredAt, sourceDocument: request.sourceDocument } };
      },
    });
    return this.view(agreementId, outcome.revision);
  }
}

/** The framework agreements of the programme: the 2017 contract, its amendments, its successors. */
@ApiTags('programme')
@ApiETag()
@Controller('programme/agreements')
export class AgreementsController {
  constructor(
    private readonly agreements: AgreementService,
    private readonly register: ProgrammeRegisterReader,
  ) {}

  private send(res: Response, view: AgreementView): AgreementView {
    res.setHeader('ETag', etag(view.revision));
    return view;
  }

  @Post()
  @Access('write', 'programme')
  @ApiOperation({ summary: 'Record a framework agreement as signed (a successor names the one it succeeds)' })
  async sign(@Body() b: SignAgreementRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    const agreementId = b.agreementId ?? newIdFor(ctx, 'agreement');
    const command: AgreementRequestCommand = {
      type: 'sign',
      agreementId,
      title: b.title,
      signedOn: b.signedOn,
      periodFrom: b.periodFrom,
      periodTo: b.periodTo,
      scope: b.scope,
      signatories: b.signatories.map((s) => s.party),
      ...(b.succeeds !== undefined ? { succeeds: b.succeeds } : {}),
      ...(b.inForceFrom !== undefined ? { inForceFrom: b.inForceFrom } : {}),
    };
    const view = await this.agreements.record(agreementId, command, ctx, b, true);
    res.setHeader('Location', `/programme/agreements/${agreementId}`);
    return this.send(res, view);
  }

  @Post(':id/amendments')
  @Access('write', 'programme')
  @ApiIfMatch()
  @ApiOperation({ summary: 'Record an amendment: what it changes, who joins and who leaves, from the day it takes effect' })
  async amend(@Param('id') id: string, @Body() b: AmendAgreementRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    const command: AgreementRequestCommand = {
      type: 'amend',
      amendmentId: newIdFor(ctx, 'amendment'),
      reference: b.reference,
      signedOn: b.signedOn,
      effectiveFrom: b.effectiveFrom,
      subject: b.subject,
      ...(b.periodTo !== undefined ? { periodTo: b.periodTo } : {}),
      ...(b.scope !== undefined ? { scope: b.scope } : {}),
      joining: (b.joining ?? []).map((s) => s.party),
      leaving: (b.leaving ?? []).map((s) => ({ party: s.party, reason: s.reason })),
    };
    return this.send(res, await this.agreements.record(id, command, ctx, b, false));
  }

  @Get()
  @Access('read', '*')
  @ApiOperation({ summary: 'Every framework agreement, in the order they took effect (from the programme register)' })
  async list() {
    return { freshness: await this.register.freshness(), agreements: await this.agreements.list() };
  }

  @Get(':id')
  @Access('read', '*')
  @ApiOperation({ summary: 'A framework agreement: its terms, signatories by date and amendments' })
  async get(@Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    return this.send(res, await this.agreements.view(id));
  }
}

import { Body, Controller, Get, Injectable, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  type ReadScope,
  ReaderScope,
  Access,
  ApiETag,
  ApiIfMatch,
  BusinessDate,
  type CommandContext,
  CommandPath,
  Ctx,
  EventSourcedRepository,
  Nested,
  SourceDocumentRequest,
  Text,
  WriteRequest,
  etag,
  newIdFor,
} from '@erbm/shared/api';
import type { StoredEvent } from '@erbm/shared/event-store';
import {
  type ActionCommitmentCommand,
  type ActionCommitmentEvent,
  type ActionCommitmentState,
  actionCommitmentStreamName,
  decideActionCommitment,
  foldActionCommitment,
  isLate,
} from '@erbm/ledger/domain';
import { NotFound, type WithoutToday } from '@erbm/shared/kernel';
import { ReadScopeGate } from '@erbm/ledger/read-models';
import { CommitmentReader } from '../commitments/commitment.handlers';

export class PromiseActionRequest extends WriteRequest {
  @Text({ max: 100, description: 'The party that commits (see /referentials/parties)', example: 'ca_lens_lievin' })
  party!: string;

  @Text({ max: 2000, description: 'What it commits to do', example: 'Ouvrir une maison France services à Liévin' })
  what!: string;

  @BusinessDate({ description: 'The day it committed' })
  promisedOn!: string;

  @BusinessDate({ description: 'The day it is to be done by' })
  dueDate!: string;

  @Text({ optional: true, max: 100, description: 'The operation it is about, if any' })
  operationId?: string;
}

export class ProgressActionRequest extends WriteRequest {
  @BusinessDate()
  date!: string;

  @Text({ max: 2000, example: 'Locaux trouvés, recrutement en cours' })
  note!: string;
}

export class CompleteActionRequest extends WriteRequest {
  @BusinessDate()
  date!: string;

  @Nested(() => SourceDocumentRequest, { description: 'The document that shows it done' })
  evidence!: SourceDocumentRequest;
}

export class AbandonActionRequest extends WriteRequest {
  @BusinessDate()
  date!: string;

  @Text({ max: 2000 })
  reason!: string;
}

/** A commitment of action as its readers see it; `late` is read against today. */
export function actionCommitmentView(
  id: string,
  state: Exclude<ActionCommitmentState, { status: 'none' }>,
  today: string,
  events: readonly StoredEvent[] = [],
) {
  return {
    id,
    revision: state.revision,
    domain: state.domain,
    party: state.party,
    what: state.what,
    ...(state.operationId !== undefined ? { operationId: state.operationId } : {}),
    promisedOn: state.promisedOn,
    dueDate: state.dueDate,
    status: state.status,
    late: isLate(state, today),
    progress: state.progress,
    ...(state.doneOn !== undefined ? { doneOn: state.doneOn, evidence: state.evidence } : {}),
    ...(state.abandonedOn !== undefined ? { abandonedOn: state.abandonedOn, reason: state.abandonReason } : {}),
    ...(events.length > 0 ? { recordedAt: events[0].recordedAt, recordedBy: events[0].envelope.actor } : {}),
  };
}
export type ActionCommitmentView = ReturnType<typeof actionCommitmentView>;

type ActionRequestCommand = WithoutToday<ActionCommitmentCommand>;

@Injectable()
export class ActionCommitmentService {
  constructor(
    private readonly repository: EventSourcedRepository,
    private readonly commands: CommandPath,
    private readonly commitments: CommitmentReader,
  ) {}

  async view(domain: string, id: string, upToRevision?: number): Promise<ActionCommitmentView> {
    this.commitments.requireDomain(domain);
    const loaded = await this.repository.load(actionCommitmentStreamName(id), (events: ActionCommitmentEvent[]) => foldActionCommitment(events), {
      upToRevision,
    });
    if (loaded.state.status === 'none' || loaded.state.domain !== domain) throw new NotFound('action-commitment', id);
    return actionCommitmentView(id, loaded.state, this.commitments.today(), loaded.events);
  }

  async record(domain: string, id: string, command: ActionRequestCommand, ctx: CommandContext, request: WriteRequest): Promise<ActionCommitmentView> {
    this.commitments.requireDomain(domain);
    if (command.type === 'promise') this.commitments.checkParty('party', command.party, command.promisedOn);
    const outcome = await this.commands.run(ctx, {
      stream: actionCommitmentStreamName(id),
      fold: (events: ActionCommitmentEvent[]) => foldActionCommitment(events),
      decide: ({ state }: { state: ActionCommitmentState }) => {
        if (command.type !== 'promise' && (state.status === 'none' || state.domain !== domain)) throw new NotFound('action-commitment', id);
        const decided = { ...command, today: this.commitments.today() } as ActionCommitmentCommand;
        const occurredAt = command.type === 'promise' ? command.promisedOn : command.date;
        return { events: decideActionCommitment(decided, state), meta: { occurredAt, sourceDocument: request.sourceDocument } };
      },
    });
    return this.view(domain, id, outcome.revision);
  }
}

/** Commitments of action of a domain's partners: to open a service, deliver a study, sign a convention by a date. */
@ApiTags('commitments of action')
@ApiETag()
@ApiParam({ name: 'domain', description: 'A domain this service serves (its URL segment)' })
@Controller(':domain/action-commitments')
export class ActionCommitmentsController {
  constructor(
    private readonly actions: ActionCommitmentService,
    private readonly gate: ReadScopeGate,
  ) {}

  private send(res: Response, view: ActionCommitmentView): ActionCommitmentView {
    res.setHeader('ETag', etag(view.revision));
    return view;
  }

  @Post()
  @Access('write')
  @ApiOperation({ summary: 'Record a commitment of action: what, by which party, by when' })
  async promise(@Param('domain') domain: string, @Body() b: PromiseActionRequest, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    const id = newIdFor(ctx, 'action-commitment');
    const command: ActionRequestCommand = {
      type: 'promise',
      actionCommitmentId: id,
      domain,
      party: b.party,
      what: b.what,
      promisedOn: b.promisedOn,
      dueDate: b.dueDate,
      ...(b.operationId !== undefined ? { operationId: b.operationId } : {}),
    };
    const view = await this.actions.record(domain, id, command, ctx, b);
    res.setHeader('Location', `/${domain}/action-commitments/${id}`);
    return this.send(res, view);
  }

  @Post(':id/progress')
  @Access('write')
  @ApiIfMatch()
  @ApiOperation({ summary: 'Record progress: the commitment of action is under way' })
  async progress(
    @Param('domain') domain: string,
    @Param('id') id: string,
    @Body() b: ProgressActionRequest,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.send(res, await this.actions.record(domain, id, { type: 'progress', date: b.date, note: b.note }, ctx, b));
  }

  @Post(':id/complete')
  @Access('write')
  @ApiIfMatch()
  @ApiOperation({ summary: 'Record the commitment of action done, with the document that shows it' })
  async complete(
    @Param('domain') domain: string,
    @Param('id') id: string,
    @Body() b: CompleteActionRequest,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const evidence = { kind: b.evidence.kind, reference: b.evidence.reference, ...(b.evidence.sha256 ? { sha256: b.evidence.sha256 } : {}) };
    return this.send(res, await this.actions.record(domain, id, { type: 'complete', date: b.date, evidence }, ctx, b));
  }

  @Post(':id/abandon')
  @Access('write')
  @ApiIfMatch()
  @ApiOperation({ summary: 'Record the commitment of action abandoned, and why' })
  async abandon(
    @Param('domain') domain: string,
    @Param('id') id: string,
    @Body() b: AbandonActionRequest,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.send(res, await this.actions.record(domain, id, { type: 'abandon', date: b.date, reason: b.reason }, ctx, b));
  }

  @Get(':id')
  @Access('read')
  @ApiOperation({ summary: 'A commitment of action: its status, whether it is late, its progress and evidence' })
  async get(@Param('domain') domain: string, @Param('id') id: string, @ReaderScope() scope: ReadScope, @Res({ passthrough: true }) res: Response) {
    const view = await this.actions.view(domain, id);
    // Another party's (or another arrondissement's) commitment of action answers as an unknown one.
    if (!(await this.gate.admitsActionCommitment(scope, { party: view.party, domain, operationId: view.operationId })))
      throw new NotFound('action-commitment', id);
    return this.send(res, view);
  }
}

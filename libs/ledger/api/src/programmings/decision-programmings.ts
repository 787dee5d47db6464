import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { type CommandContext, type CommandOutcome, CommandPath, EventSourcedRepository, InjectClock, eventIdFor, uuidFrom } from '@erbm/shared/api';
import type { Role } from '@erbm/shared/auth';
import type { SourceDocument, StoredEvent } from '@erbm/shared/event-store';
import {
  type ActEvent,
  type ActEventMap,
  type ActRef,
  type ActState,
  type CommitmentEvent,
  type CommitmentEventMap,
  type CommitmentState,
  type DecisionRef,
  type MeetingEvent,
  type MeetingEventMap,
  type MeetingState,
  actRefOf,
  actStreamName,
  commitmentStreamName,
  decideAct,
  decideCommitment,
  decideMeeting,
  foldAct,
  foldCommitment,
  foldMeeting,
  meetingStreamName,
} from '@erbm/ledger/domain';
import { type Clock, RuleViolation, todayInParis } from '@erbm/shared/kernel';

const RECORDED = 'governance.ProgrammingRecorded';
const ACT_RECORDED = 'governance.ActProgrammingRecorded';
const CORRECTED = 'ledger.CommitmentFactCorrected';
type Recorded = MeetingEventMap[typeof RECORDED];
type ActRecorded = ActEventMap[typeof ACT_RECORDED];
type Corrected = CommitmentEventMap[typeof CORRECTED];

/** What programmes the money: a meeting's decision, or an act that is not a meeting. */
export type ProgrammingSource = { meetingId: string; decisionId: string } | { actId: string };

/** The stream where programmings under this source are counted: the decision's meeting, or the act's own. */
export const streamOfSource = (source: ProgrammingSource): string => ('actId' in source ? actStreamName(source.actId) : meetingStreamName(source.meetingId));

/** A commitment to programme under a decision or an act, as the programming request and the commitment's state give it. */
export type ProgrammingRequest = ProgrammingSource & {
  commitmentId: string;
  domain: string;
  financer: string;
  fundingLine: string;
  amountCents: number;
  date: string;
  sourceDocument?: SourceDocument;
};

const sourceOf = (p: ProgrammingSource): ProgrammingSource => ('actId' in p ? { actId: p.actId } : { meetingId: p.meetingId, decisionId: p.decisionId });

interface Release {
  source: ProgrammingSource;
  commitmentId: string;
  financer: string;
  fundingLine: string;
  amountCents: number;
  date: string;
  reason: string;
}

/** Who recorded a fact, to complete what follows from it in their name (a completion after a crash included). */
export const contextOf = (event: StoredEvent): CommandContext => ({
  principal: {
    userId: event.envelope.actor.userId,
    role: event.envelope.actor.role as Role,
    organisation: event.envelope.actor.organisation,
    ...(event.envelope.onBehalfOf ? { party: event.envelope.onBehalfOf } : {}),
  },
  correlationId: event.envelope.correlationId ?? event.id,
});

const asEvents = <E>(events: readonly StoredEvent[]) => events.map((e) => ({ type: e.type, data: e.data }) as E);

/**
 * What commitments programme under a decision or an act, counted in the decision's meeting stream or in the act's
 * stream (ADR 0015, ADR 0018). A programming is recorded there first, with that stream's expected revision, where the
 * decider refuses it beyond what was granted for the commitment's financer and funding line; the commitment's own
 * `ledger.CommitmentProgrammed` follows from it, with an event id derived from it, written by the request and, should
 * the process stop in between, by FinancingLinks. What was counted and the commitment could not take, or gave back by a
 * correction, is released there: the count errs on the side of the ceiling, never above it.
 */
@Injectable()
export class DecisionProgrammings {
  private readonly logger = new Logger('DecisionProgrammings');

  constructor(
    private readonly repository: EventSourcedRepository,
    private readonly commands: CommandPath,
    @InjectClock() private readonly clock: Clock,
  ) {}

  /** The programming this request recorded under its decision or act before a crash (same Idempotency-Key), if any. */
  async recordedBefore(ctx: CommandContext, source: ProgrammingSource): Promise<StoredEvent | undefined> {
    if (!ctx.idempotencyKey) return undefined;
    const stream = streamOfSource(source);
    const id = eventIdFor(ctx, stream, 0).toLowerCase();
    return (await this.repository.store.readStream(stream)).find((e) => e.id.toLowerCase() === id && (e.type === RECORDED || e.type === ACT_RECORDED));
  }

  /** Records the programming under its decision or act: refused there beyond what was granted. */
  async record(ctx: CommandContext, p: ProgrammingRequest): Promise<StoredEvent> {
    const source = sourceOf(p);
    const stream = streamOfSource(source);
    const id = ctx.idempotencyKey ? eventIdFor(ctx, stream, 0) : randomUUID();
    const { commitmentId, domain, financer, fundingLine, amountCents, date, sourceDocument } = p;
    const programming = { commitmentId, domain, financer, fundingLine, amountCents, date };
    const today = todayInParis(this.clock);
    const meta = { occurredAt: p.date, sourceDocument };
    const outcome =
      'actId' in source
        ? await this.commands.run(
            { ...ctx, ifMatch: undefined },
            {
              stream,
              fold: (events: ActEvent[]) => foldAct(events),
              decide: ({ state }) => ({ events: decideAct({ type: 'programme', ...programming, today }, state), meta }),
              eventId: () => id,
            },
          )
        : await this.commands.run(
            { ...ctx, ifMatch: undefined },
            {
              stream,
              fold: (events: MeetingEvent[]) => foldMeeting(events),
              decide: ({ state }) => ({
                events: decideMeeting({ type: 'programme', decisionId: source.decisionId, ...programming, today }, state),
                meta,
              }),
              eventId: () => id,
            },
          );
    const [recorded] = await this.repository.store.readStream(stream, { from: outcome.revision, to: outcome.revision });
    return recorded;
  }

  /** The decision or act a programming recorded in its stream cites, as the commitment's event keeps it. */
  private async citation(recorded: StoredEvent): Promise<{ source: ProgrammingSource; decision?: DecisionRef; act?: ActRef }> {
    if (recorded.type === ACT_RECORDED) {
      const actId = recorded.streamName.slice(actStreamName('').length);
      const { state } = await this.repository.load<ActState, ActEvent>(recorded.streamName, foldAct);
      if (state.status === 'none') throw new Error(`${recorded.id}: programming in an act never recorded`);
      return { source: { actId }, act: actRefOf(state) };
    }
    const p = recorded.data as Recorded;
    const meetingId = recorded.streamName.slice(meetingStreamName('').length);
    const { state } = await this.repository.load<MeetingState, MeetingEvent>(recorded.streamName, foldMeeting);
    const held = state.status === 'held' ? state : undefined;
    return {
      source: { meetingId, decisionId: p.decisionId },
      decision: { meetingId, decisionId: p.decisionId, date: held?.date ?? p.date, ...(held ? { body: held.body } : {}) },
    };
  }

  /**
   * The commitment's programming that follows from one recorded under a decision or act; written once whoever tries
   * (its event id derives from that one). If the commitment cannot take it any more (closed or lapsed since), the
   * decision or act gets the amount back and the refusal is thrown.
   */
  async complete(recorded: StoredEvent, ctx: CommandContext): Promise<CommandOutcome<CommitmentState>> {
    const p = recorded.data as Recorded | ActRecorded;
    const { source, decision, act } = await this.citation(recorded);
    try {
      return await this.commands.run(
        { ...ctx, ifMatch: undefined },
        {
          stream: commitmentStreamName(p.commitmentId),
          fold: foldCommitment,
          decide: ({ state }) => ({
            events: decideCommitment({ type: 'programme', amountCents: p.amountCents, date: p.date, decision, act, today: todayInParis(this.clock) }, state),
            meta: { occurredAt: p.date, sourceDocument: recorded.envelope.sourceDocument },
          }),
          eventId: () => uuidFrom(`ledger.CommitmentProgrammed\u0000${recorded.id}`),
        },
      );
    } catch (error) {
      if (!(error instanceof RuleViolation)) throw error;
      await this.release(
        ctx,
        { ...p, source, reason: `L'engagement n'a pas pu prendre cette programmation : ${error.message}` },
        uuidFrom(`governance.ProgrammingReleased\u0000${recorded.id}`),
      );
      throw error;
    }
  }

  /**
   * After a correction of a commitment's fact: if it lowered a programming, its decision or act gets the difference
   * back, once (the release's event id derives from the correction's).
   */
  async releaseCorrected(commitmentId: string, revision: number, ctx: CommandContext, served?: (domain: string) => boolean): Promise<boolean> {
    const events = await this.repository.store.readStream(commitmentStreamName(commitmentId));
    const correction = events.find((e) => e.revision === revision);
    if (correction?.type !== CORRECTED) return false;
    const c = correction.data as Corrected;
    const lowered = (c.before.amountCents ?? 0) - (c.after.amountCents ?? 0);
    if (c.correctsType !== 'ledger.CommitmentProgrammed' || lowered <= 0) return false;
    const programmed = events.find((e) => e.revision === c.correctsRevision);
    const { decision, act } = programmed?.data as { decision?: DecisionRef; act?: ActRef };
    const source: ProgrammingSource | undefined = act ? { actId: act.actId } : decision && { meetingId: decision.meetingId, decisionId: decision.decisionId };
    if (!source) return false;
    // The financer and funding line the programming was counted under: the commitment's when it was programmed.
    const then = foldCommitment(asEvents<CommitmentEvent>(events.filter((e) => e.revision <= c.correctsRevision)));
    if (then.status === 'none' || (served && !served(then.domain))) return false;
    const outcome = await this.release(
      ctx,
      { source, commitmentId, financer: then.financer, fundingLine: then.fundingLine, amountCents: lowered, date: c.date, reason: c.reason },
      uuidFrom(`governance.ProgrammingReleased\u0000${correction.id}`),
    );
    return outcome.appended > 0 && !outcome.writtenBefore;
  }

  /**
   * What FinancingLinks does with an event of the log: completes a commitment's programming recorded under a decision or
   * an act, or releases there what a correction gave back. True when it wrote something.
   */
  async followUp(event: StoredEvent, served: (domain: string) => boolean): Promise<boolean> {
    if (event.type === RECORDED || event.type === ACT_RECORDED) {
      if (!served((event.data as Recorded | ActRecorded).domain)) return false;
      try {
        const outcome = await this.complete(event, contextOf(event));
        return outcome.appended > 0 && !outcome.writtenBefore;
      } catch (error) {
        if (!(error instanceof RuleViolation)) throw error;
        this.logger.warn(`programming ${event.id} given back to its decision or act: ${error.message}`);
        return true;
      }
    }
    if (event.type === CORRECTED && (event.data as Corrected).correctsType === 'ledger.CommitmentProgrammed')
      return this.releaseCorrected(event.streamName.slice(commitmentStreamName('').length), event.revision, contextOf(event), served);
    return false;
  }

  private release(ctx: CommandContext, r: Release, eventId: string): Promise<CommandOutcome<MeetingState | ActState>> {
    const { source } = r;
    const counted = { commitmentId: r.commitmentId, financer: r.financer, fundingLine: r.fundingLine, amountCents: r.amountCents };
    const release = { type: 'releaseProgramming' as const, ...counted, date: r.date, reason: r.reason };
    const meta = { occurredAt: r.date, reason: r.reason };
    if ('actId' in source)
      return this.commands.run(
        { ...ctx, ifMatch: undefined },
        {
          stream: actStreamName(source.actId),
          fold: (events: ActEvent[]) => foldAct(events),
          decide: ({ state }) => ({ events: state.status === 'none' ? [] : decideAct(release, state), meta }),
          eventId: () => eventId,
        },
      );
    return this.commands.run(
      { ...ctx, ifMatch: undefined },
      {
        stream: meetingStreamName(source.meetingId),
        fold: (events: MeetingEvent[]) => foldMeeting(events),
        decide: ({ state }) => ({ events: state.status === 'none' ? [] : decideMeeting({ ...release, decisionId: source.decisionId }, state), meta }),
        eventId: () => eventId,
      },
    );
  }
}

import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { type CommandContext, type CommandOutcome, CommandPath, EventSourcedRepository, InjectClock, eventIdFor, uuidFrom } from '@erbm/shared/api';
import type { Role } from '@erbm/shared/auth';
import type { SourceDocument, StoredEvent } from '@erbm/shared/event-store';
import {
  type CommitmentEvent,
  type CommitmentEventMap,
  type CommitmentState,
  type DecisionRef,
  type MeetingEvent,
  type MeetingEventMap,
  type MeetingState,
  commitmentStreamName,
  decideCommitment,
  decideMeeting,
  foldCommitment,
  foldMeeting,
  meetingStreamName,
} from '@erbm/ledger/domain';
import { type Clock, RuleViolation, todayInParis } from '@erbm/shared/kernel';

const RECORDED = 'governance.ProgrammingRecorded';
const CORRECTED = 'ledger.CommitmentFactCorrected';
type Recorded = MeetingEventMap[typeof RECORDED];
type Corrected = CommitmentEventMap[typeof CORRECTED];

/** A commitment to programme under a decision, as the programming request and the commitment's state give it. */
export interface ProgrammingRequest {
  meetingId: string;
  decisionId: string;
  commitmentId: string;
  domain: string;
  financer: string;
  fundingLine: string;
  amountCents: number;
  date: string;
  sourceDocument?: SourceDocument;
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
 * What commitments programme under a decision, counted in the decision's meeting stream (ADR 0015). A programming is
 * recorded there first, with the meeting's expected revision, where the decider refuses it beyond what the decision
 * approved for the commitment's financer and funding line; the commitment's own `ledger.CommitmentProgrammed` follows
 * from it, with an event id derived from it, written by the request and, should the process stop in between, by
 * FinancingLinks. What the meeting counted and the commitment could not take, or gave back by a correction, is released
 * in the meeting: the count errs on the side of the ceiling, never above it.
 */
@Injectable()
export class DecisionProgrammings {
  private readonly logger = new Logger('DecisionProgrammings');

  constructor(
    private readonly repository: EventSourcedRepository,
    private readonly commands: CommandPath,
    @InjectClock() private readonly clock: Clock,
  ) {}

  /** The programming this request recorded in the meeting before a crash (same Idempotency-Key), if any. */
  async recordedBefore(ctx: CommandContext, meetingId: string): Promise<StoredEvent | undefined> {
    if (!ctx.idempotencyKey) return undefined;
    const stream = meetingStreamName(meetingId);
    const id = eventIdFor(ctx, stream, 0).toLowerCase();
    return (await this.repository.store.readStream(stream)).find((e) => e.id.toLowerCase() === id && e.type === RECORDED);
  }

  /** Records the programming in the decision's meeting: refused there beyond what the decision approved. */
  async record(ctx: CommandContext, p: ProgrammingRequest): Promise<StoredEvent> {
    const stream = meetingStreamName(p.meetingId);
    const id = ctx.idempotencyKey ? eventIdFor(ctx, stream, 0) : randomUUID();
    const { meetingId: _m, sourceDocument, ...programming } = p;
    const outcome = await this.commands.run(
      { ...ctx, ifMatch: undefined },
      {
        stream,
        fold: (events: MeetingEvent[]) => foldMeeting(events),
        decide: ({ state }) => ({
          events: decideMeeting({ type: 'programme', ...programming, today: todayInParis(this.clock) }, state),
          meta: { occurredAt: p.date, sourceDocument },
        }),
        eventId: () => id,
      },
    );
    const [recorded] = await this.repository.store.readStream(stream, { from: outcome.revision, to: outcome.revision });
    return recorded;
  }

  /**
   * The commitment's programming that follows from one recorded in a meeting; written once whoever tries (its event id
   * derives from the meeting's). If the commitment cannot take it any more (closed or lapsed since), the meeting gets
   * the amount back and the refusal is thrown.
   */
  async complete(recorded: StoredEvent, ctx: CommandContext): Promise<CommandOutcome<CommitmentState>> {
    const p = recorded.data as Recorded;
    const meetingId = recorded.streamName.slice(meetingStreamName('').length);
    const meeting = await this.repository.load<MeetingState, MeetingEvent>(recorded.streamName, foldMeeting);
    const decision: DecisionRef = { meetingId, decisionId: p.decisionId, date: meeting.state.status === 'held' ? meeting.state.date : p.date };
    try {
      return await this.commands.run(
        { ...ctx, ifMatch: undefined },
        {
          stream: commitmentStreamName(p.commitmentId),
          fold: foldCommitment,
          decide: ({ state }) => ({
            events: decideCommitment({ type: 'programme', amountCents: p.amountCents, date: p.date, decision, today: todayInParis(this.clock) }, state),
            meta: { occurredAt: p.date, sourceDocument: recorded.envelope.sourceDocument },
          }),
          eventId: () => uuidFrom(`ledger.CommitmentProgrammed\u0000${recorded.id}`),
        },
      );
    } catch (error) {
      if (!(error instanceof RuleViolation)) throw error;
      await this.release(
        ctx,
        { ...p, meetingId, reason: `L'engagement n'a pas pu prendre cette programmation : ${error.message}` },
        uuidFrom(`governance.ProgrammingReleased\u0000${recorded.id}`),
      );
      throw error;
    }
  }

  /**
   * After a correction of a commitment's fact: if it lowered a programming, the decision's meeting gets the difference
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
    const { decision } = programmed?.data as { decision: DecisionRef };
    // The financer and funding line the programming was counted under: the commitment's when it was programmed.
    const then = foldCommitment(asEvents<CommitmentEvent>(events.filter((e) => e.revision <= c.correctsRevision)));
    if (then.status === 'none' || (served && !served(then.domain))) return false;
    const outcome = await this.release(
      ctx,
      {
        meetingId: decision.meetingId,
        decisionId: decision.decisionId,
        commitmentId,
        financer: then.financer,
        fundingLine: then.fundingLine,
        amountCents: lowered,
        date: c.date,
        reason: c.reason,
      },
      uuidFrom(`governance.ProgrammingReleased\u0000${correction.id}`),
    );
    return outcome.appended > 0 && !outcome.writtenBefore;
  }

  /**
   * What FinancingLinks does with an event of the log: completes a commitment's programming recorded in a meeting, or
   * releases in a meeting what a correction gave back. True when it wrote something.
   */
  async followUp(event: StoredEvent, served: (domain: string) => boolean): Promise<boolean> {
    if (event.type === RECORDED) {
      if (!served((event.data as Recorded).domain)) return false;
      try {
        const outcome = await this.complete(event, contextOf(event));
        return outcome.appended > 0 && !outcome.writtenBefore;
      } catch (error) {
        if (!(error instanceof RuleViolation)) throw error;
        this.logger.warn(`programming ${event.id} given back to its decision: ${error.message}`);
        return true;
      }
    }
    if (event.type === CORRECTED && (event.data as Corrected).correctsType === 'ledger.CommitmentProgrammed')
      return this.releaseCorrected(event.streamName.slice(commitmentStreamName('').length), event.revision, contextOf(event), served);
    return false;
  }

  private release(
    ctx: CommandContext,
    r: Omit<Recorded, 'domain' | 'date'> & { meetingId: string; date: string; reason: string },
    eventId: string,
  ): Promise<CommandOutcome<MeetingState>> {
    const release = {
      type: 'releaseProgramming' as const,
      decisionId: r.decisionId,
      commitmentId: r.commitmentId,
      financer: r.financer,
      fundingLine: r.fundingLine,
      amountCents: r.amountCents,
      date: r.date,
      reason: r.reason,
    };
    return this.commands.run(
      { ...ctx, ifMatch: undefined },
      {
        stream: meetingStreamName(r.meetingId),
        fold: (events: MeetingEvent[]) => foldMeeting(events),
        decide: ({ state }) => ({
          events: state.status === 'none' ? [] : decideMeeting(release, state),
          meta: { occurredAt: r.date, reason: r.reason },
        }),
        eventId: () => eventId,
      },
    );
  }
}

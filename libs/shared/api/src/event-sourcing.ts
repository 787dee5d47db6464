import { Inject, Injectable } from '@nestjs/common';
import {
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type SourceDocument,
  type StoredEvent,
  WrongExpectedRevisionError,
} from '@erbm/shared/event-store';
import { eventUpcasters } from '@erbm/shared/kernel';
import { type CommandContext, eventIdFor } from './command-context';
import { EVENT_STORE } from './event-store.module';

export interface DomainEvent {
  type: string;
  data: unknown;
}

export interface Loaded<S> {
  state: S;
  /** Revision of the stream's last event; -1 when the stream does not exist. */
  revision: number;
  events: StoredEvent[];
}

export interface FactMetadata {
  /** Business date of the fact. */
  occurredAt: string;
  reason?: string;
  sourceDocument?: SourceDocument;
}

/** Loads a stream into a decider's state and appends what the decider decided, with the full envelope. */
@Injectable()
export class EventSourcedRepository {
  constructor(@Inject(EVENT_STORE) readonly store: EventStore) {}

  async load<S, E extends DomainEvent>(
    streamName: string,
    fold: (events: E[]) => S,
    options: { recordedUpTo?: string; upToRevision?: number } = {},
  ): Promise<Loaded<S>> {
    const events = await this.store.readStream(streamName, { recordedUpTo: options.recordedUpTo, to: options.upToRevision });
    return { state: fold(events.map((e) => ({ type: e.type, data: e.data }) as E)), revision: events.length - 1, events };
  }

  /** The revision to expect: the one the client read (If-Match) if it sent one, else the one just loaded. */
  expected(ctx: CommandContext, streamName: string, loadedRevision: number): ExpectedRevision {
    if (ctx.ifMatch !== undefined && ctx.ifMatch !== loadedRevision)
      throw new WrongExpectedRevisionError(streamName, ctx.ifMatch, loadedRevision < 0 ? 'no_stream' : loadedRevision);
    return loadedRevision < 0 ? 'no_stream' : loadedRevision;
  }

  async append(
    streamName: string,
    events: readonly DomainEvent[],
    expected: ExpectedRevision,
    ctx: CommandContext,
    meta: FactMetadata,
    eventId?: (index: number) => string,
  ): Promise<AppendResult | undefined> {
    if (events.length === 0) return undefined;
    return this.store.append(
      streamName,
      events.map((event, index) => ({
        id: eventId ? eventId(index) : eventIdFor(ctx, streamName, index),
        type: event.type,
        // Deciders decide in the current shape of each type: the version its upcasters lead to.
        schemaVersion: eventUpcasters.currentVersion(event.type),
        // Optional fields a decider leaves undefined are absent in JSON; the store refuses undefined values.
        data: JSON.parse(JSON.stringify(event.data)),
        envelope: {
          actor: { userId: ctx.principal.userId, role: ctx.principal.role, organisation: ctx.principal.organisation },
          ...(ctx.principal.party ? { onBehalfOf: ctx.principal.party } : {}),
          occurredAt: meta.occurredAt,
          ...(meta.reason ? { reason: meta.reason } : {}),
          ...(meta.sourceDocument ? { sourceDocument: JSON.parse(JSON.stringify(meta.sourceDocument)) } : {}),
          correlationId: ctx.correlationId,
        },
      })),
      expected,
    );
  }
}

import { Injectable } from '@nestjs/common';
import { WrongExpectedRevisionError } from '@erbm/shared/event-store';
import type { CommandContext } from './command-context';
import { type DomainEvent, EventSourcedRepository, type FactMetadata, type Loaded } from './event-sourcing';

/** What a command decided on the state it was given: the events to append and what their envelope says. */
export interface Decision<E extends DomainEvent> {
  events: readonly E[];
  meta: FactMetadata;
}

export interface CommandRun<S, E extends DomainEvent> {
  stream: string;
  fold: (events: E[]) => S;
  /**
   * Decides on the stream as it was just loaded; it may look things up, and refuses by throwing. Called again on the
   * newer state when the append lost a race and the client did not pin a revision.
   */
  decide: (loaded: Loaded<S>) => Promise<Decision<E>> | Decision<E>;
  /** Event ids for this append (default: derived from the Idempotency-Key, else random). */
  eventId?: (index: number) => string;
}

export interface CommandOutcome<S> {
  /** The stream's revision after the command (unchanged when it decided nothing). */
  revision: number;
  /** The state the command was decided on. */
  decidedOn: S;
  appended: number;
}

/**
 * How many times a command is decided at most when it keeps losing revision races. Each lost race is another
 * writer's success, so with up to this many writers on one stream at once every one of them gets its answer.
 */
export const RACE_ATTEMPTS = 10;

/**
 * The one way a command is handled: load the stream, check If-Match, decide, append against the revision loaded.
 * With If-Match a stale revision is the client's 409; without it, a lost race means "decide again on what is there
 * now", so the client gets the result or the rule's refusal, never a conflict it did not ask about.
 */
@Injectable()
export class CommandPath {
  constructor(private readonly repository: EventSourcedRepository) {}

  async run<S, E extends DomainEvent>(ctx: CommandContext, command: CommandRun<S, E>): Promise<CommandOutcome<S>> {
    for (let attempt = 1; ; attempt++) {
      const loaded = await this.repository.load<S, E>(command.stream, command.fold);
      const expected = this.repository.expected(ctx, command.stream, loaded.revision);
      const { events, meta } = await command.decide(loaded);
      try {
        const result = await this.repository.append(command.stream, events, expected, ctx, meta, command.eventId);
        return { revision: result?.nextRevision ?? loaded.revision, decidedOn: loaded.state, appended: events.length };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || ctx.ifMatch !== undefined || attempt >= RACE_ATTEMPTS) throw error;
      }
    }
  }
}

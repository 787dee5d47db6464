import { Injectable } from '@nestjs/common';
import { WrongExpectedRevisionError } from '@erbm/shared/event-store';
import { type CommandContext, eventIdFor } from './command-context';
import { type DomainEvent, EventSourcedRepository, type FactMetadata, type Loaded } from './event-sourcing';
import { failpoint } from './failpoint';
import { ProblemException } from './problem-details';

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
  /** The stream's revision right after this command's events (unchanged when it decided nothing). */
  revision: number;
  /** The state the command was decided on. */
  decidedOn: S;
  /** How many events this command has in the stream. */
  appended: number;
  /** True when an earlier attempt of the same request (same Idempotency-Key) had written them already. */
  writtenBefore: boolean;
}

/**
 * How many times a command is decided at most when it keeps losing revision races. Each lost race is another
 * writer's success, so with up to this many writers on one stream at once every one of them gets its answer.
 */
export const RACE_ATTEMPTS = 10;

/**
 * The one way a command is handled: load the stream, check If-Match, decide, append against the revision loaded.
 * With If-Match a stale revision is the client's 409; without it, a lost race means "decide again on what is there
 * now", so the client gets the result or the rule's refusal, never a conflict it did not ask about (unless it lost
 * RACE_ATTEMPTS races in a row: a 409 `write-race`, which a retry may win).
 *
 * A request run again after a crash (same Idempotency-Key, so the same event ids) may find its events already in
 * the stream: it then answers as of the revision they made, as the first attempt would have, without deciding again
 * on a newer state (which could refuse, or write a second time what is already written).
 */
@Injectable()
export class CommandPath {
  constructor(private readonly repository: EventSourcedRepository) {}

  async run<S, E extends DomainEvent>(ctx: CommandContext, command: CommandRun<S, E>): Promise<CommandOutcome<S>> {
    const eventId = command.eventId ?? (ctx.idempotencyKey ? (index: number) => eventIdFor(ctx, command.stream, index) : undefined);
    for (let attempt = 1; ; attempt++) {
      const loaded = await this.repository.load<S, E>(command.stream, command.fold);
      const earlier = eventId && writtenBefore(loaded, eventId, command.fold);
      if (earlier) return earlier;
      const expected = this.repository.expected(ctx, command.stream, loaded.revision);
      const { events, meta } = await command.decide(loaded);
      try {
        const result = await this.repository.append(command.stream, events, expected, ctx, meta, eventId);
        if (result && ctx.idempotencyKey) await failpoint('idempotency-appended');
        return { revision: result?.nextRevision ?? loaded.revision, decidedOn: loaded.state, appended: events.length, writtenBefore: false };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || ctx.ifMatch !== undefined) throw error;
        if (attempt >= RACE_ATTEMPTS)
          throw ProblemException.of(
            409,
            'write-race',
            'Écritures concurrentes',
            `D'autres écritures sont passées avant celle-ci à chacune de ses ${RACE_ATTEMPTS} tentatives : rien n'a été enregistré, renvoyez la même requête`,
            { attempts: RACE_ATTEMPTS },
          );
      }
    }
  }
}

/** The events of this request already in the stream (found by their derived ids), and the answer they made. */
function writtenBefore<S, E extends DomainEvent>(
  loaded: Loaded<S>,
  eventId: (index: number) => string,
  fold: (events: E[]) => S,
): CommandOutcome<S> | undefined {
  const first = eventId(0).toLowerCase();
  const start = loaded.events.findIndex((e) => e.id.toLowerCase() === first);
  if (start < 0) return undefined;
  let count = 1;
  while (start + count < loaded.events.length && loaded.events[start + count].id.toLowerCase() === eventId(count).toLowerCase()) count++;
  const before = loaded.events.slice(0, start).map((e) => ({ type: e.type, data: e.data }) as E);
  return { revision: loaded.events[start + count - 1].revision, decidedOn: fold(before), appended: count, writtenBefore: true };
}

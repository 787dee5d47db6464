import {
  NO_STREAM,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type Position,
} from '@eventstore/db-client';
import type { EsdbClient } from '../eventstoredb/eventstoredb-event-store';

/**
 * A stand-in for EventStoreDB's client, over an array: NOT a server, and no test on it says the adapter works on one
 * (the contract suite does, when EVENTSTORE_CONNECTION_STRING is set). It keeps what the adapter relies on and a server
 * does, as read in the server's and the client's sources:
 * - every event is a record of its own, whose commit and prepare positions are both its log position;
 * - `$all` holds system records too, and a read of `$all` from a position includes the record at that position;
 * - an append is checked against its expected revision (`WrongExpectedVersionError`);
 * - a soft-deleted stream reads as absent, keeps `truncateBefore` in its metadata, and an append to it goes on
 *   numbering after its last revision.
 * Hooks let a test inject what a server does at bad moments: another writer between a read and an append, a read that
 * never answers, a subscription that drops.
 */
export class EsdbStandIn {
  readonly log: AllStreamResolvedEvent[] = [];
  private next = 1000n;
  private readonly truncateBefore = new Map<string, bigint>();
  private readonly metadata = new Map<string, Record<string, unknown>>();
  /** Every append call and read call made, by kind. */
  readonly calls = { append: 0, readAll: 0, readStream: 0, subscribe: 0, cancelled: 0, disposed: 0 };
  /** Runs before each append is checked: a test appends here as another process would. */
  beforeAppend: ((streamId: string) => void | Promise<void>) | undefined;
  /** When set, reads of `$all` never deliver anything (a server that stopped answering). */
  silentReads = false;
  /** Positions each subscription started from, and what each one does after delivering `dropAfter` events. */
  readonly subscriptions: (Position | 'start')[] = [];
  dropAfter: number | undefined;
  dropWith: () => Error = () => new Error('dropped');

  record(streamId: string, type: string, data: unknown, metadata: unknown, id: string, isJson = true): Position {
    const position = { commit: this.next, prepare: this.next };
    this.next += 137n;
    const mine = this.log.filter((r) => r.event?.streamId === streamId);
    const revision = mine.length ? (mine[mine.length - 1].event?.revision ?? -1n) + 1n : (this.truncateBefore.get(streamId) ?? 0n);
    const copy = (value: unknown) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
    this.log.push({
      event: {
        streamId,
        id,
        isJson,
        revision,
        type,
        created: new Date(),
        data: copy(data),
        metadata: copy(metadata),
        position,
      } as AllStreamResolvedEvent['event'],
    });
    return position;
  }

  /** System records, as the server writes them (statistics, scavenges…). */
  systemRecords(count: number): void {
    for (let i = 0; i < count; i += 1) this.record('$stats-127.0.0.1:2113', '$statsCollected', {}, {}, '00000000-0000-4000-8000-000000000001');
  }

  /** What `$tb` does: the stream reads as absent, and its next event is numbered after its last one. */
  softDelete(streamId: string): void {
    const last = this.visible(streamId).at(-1)?.event?.revision ?? -1n;
    this.truncateBefore.set(streamId, last + 1n);
  }

  private visible(streamId: string): AllStreamResolvedEvent[] {
    const from = this.truncateBefore.get(streamId) ?? 0n;
    return this.log.filter((r) => r.event?.streamId === streamId && r.event.revision >= from);
  }

  private lastRevision(streamId: string): bigint | undefined {
    return this.log.filter((r) => r.event?.streamId === streamId).at(-1)?.event?.revision;
  }

  async appendToStream(
    streamId: string,
    events: readonly { id: string; type: string; data: unknown; metadata: unknown }[],
    options: { expectedRevision?: AppendExpectedRevision } = {},
  ) {
    this.calls.append += 1;
    await this.beforeAppend?.(streamId);
    const visible = this.visible(streamId);
    const current = visible.length ? visible[visible.length - 1].event?.revision : undefined;
    const expected = options.expectedRevision;
    // A soft-deleted stream takes "no stream" (the server recreates it) and numbers on after its last revision.
    const ok = expected === undefined || expected === 'any' || (expected === NO_STREAM ? current === undefined : current === expected);
    if (!ok) {
      throw new WrongExpectedVersionError(undefined, { streamName: streamId, expected: expected as never, current: current ?? NO_STREAM });
    }
    let position: Position | undefined;
    for (const e of events) position = this.record(streamId, e.type, e.data, e.metadata, e.id);
    return { success: true as const, nextExpectedRevision: this.lastRevision(streamId) as bigint, position };
  }

  readStream(streamId: string, options: { direction?: string; fromRevision?: bigint | string; maxCount?: number | bigint } = {}) {
    this.calls.readStream += 1;
    const from = typeof options.fromRevision === 'bigint' ? options.fromRevision : 0n;
    const visible = this.visible(streamId);
    const selected = (options.direction === 'backwards' ? [...visible].reverse() : visible.filter((r) => (r.event?.revision ?? 0n) >= from)).slice(
      0,
      Number(options.maxCount ?? Number.MAX_SAFE_INTEGER),
    );
    return this.readable(
      (async function* () {
        if (visible.length === 0) throw new StreamNotFoundError(undefined, streamId);
        yield* selected;
      })(),
    );
  }

  readAll(options: { fromPosition?: Position | 'start' | 'end'; maxCount?: number | bigint; direction?: string } = {}) {
    this.calls.readAll += 1;
    const from = options.fromPosition;
    const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    const at = (r: AllStreamResolvedEvent) => r.event?.position.commit ?? 0n;
    const records =
      options.direction === 'backwards'
        ? [...this.log].reverse().filter((r) => from === undefined || from === 'end' || (typeof from === 'object' && at(r) <= from.commit))
        : this.log.filter((r) => from === undefined || from === 'start' || (typeof from === 'object' && at(r) >= from.commit));
    const silent = this.silentReads;
    return this.readable(
      (async function* () {
        if (silent) await new Promise(() => undefined);
        yield* records.slice(0, max);
      })(),
    );
  }

  async getStreamMetadata(streamName: string) {
    const truncateBefore = this.truncateBefore.get(streamName);
    const custom = this.metadata.get(streamName);
    if (truncateBefore === undefined && custom === undefined) return { streamName };
    return { streamName, metadata: { ...custom, ...(truncateBefore === undefined ? {} : { truncateBefore }) } };
  }

  /** Runs before a stream's metadata is written: a test writes it here as another process would. */
  beforeSetMetadata: ((streamName: string) => void | Promise<void>) | undefined;

  async setStreamMetadata(streamName: string, metadata: Record<string, unknown>, options: { expectedRevision?: AppendExpectedRevision } = {}) {
    await this.beforeSetMetadata?.(streamName);
    if (options.expectedRevision === NO_STREAM && this.metadata.has(streamName)) {
      throw new WrongExpectedVersionError(undefined, { streamName: `$$${streamName}`, expected: NO_STREAM, current: 0n });
    }
    this.metadata.set(streamName, { ...metadata });
    return { success: true as const, nextExpectedRevision: 0n, position: undefined };
  }

  subscribeToAll(options: { fromPosition?: Position | 'start' } = {}) {
    this.calls.subscribe += 1;
    const from = options.fromPosition ?? 'start';
    this.subscriptions.push(from);
    const after = this.log.filter((r) => from === 'start' || (r.event?.position.commit ?? 0n) > from.commit);
    const dropAfter = this.dropAfter;
    const dropWith = this.dropWith;
    let stopped = false;
    const iterable = (async function* () {
      let delivered = 0;
      for (const r of after) {
        if (stopped) return;
        if (dropAfter !== undefined && delivered === dropAfter) throw dropWith();
        yield r;
        delivered += 1;
      }
      // Live: nothing more arrives until unsubscribed.
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (stopped) {
            clearInterval(check);
            resolve();
          }
        }, 5);
      });
    })();
    return Object.assign(iterable, {
      unsubscribe: async () => {
        stopped = true;
      },
    });
  }

  async dispose(): Promise<void> {
    this.calls.disposed += 1;
  }

  private readable<T>(iterable: AsyncGenerator<T>): AsyncGenerator<T> & { cancel(): Promise<void> } {
    return Object.assign(iterable, {
      cancel: async () => {
        this.calls.cancelled += 1;
      },
    });
  }
}

/** The stand-in typed as the client the adapter takes. */
export const asClient = (standIn: EsdbStandIn): EsdbClient => standIn as unknown as EsdbClient;

import { StreamNotFoundError, type AllStreamResolvedEvent, type Position } from '@eventstore/db-client';
import { testEvent } from '../testing/events';
import { EventStoreDbEventStore } from './eventstoredb-event-store';

/**
 * Just enough of EventStoreDB's client, over an array, to watch what the adapter writes and how it reads it back: as
 * on the server, every event is a record of its own whose commit and prepare positions are both its log position,
 * `$all` holds system events too, and a read of `$all` from a position includes the event at that position.
 */
class FakeClient {
  readonly log: AllStreamResolvedEvent[] = [];
  private next = 1000n;

  record(streamId: string, type: string, data: unknown, metadata: unknown, id: string, isJson = true): Position {
    const position = { commit: this.next, prepare: this.next };
    this.next += 137n;
    const revision = BigInt(this.log.filter((r) => r.event?.streamId === streamId).length);
    const copy = (value: unknown) => JSON.parse(JSON.stringify(value ?? null));
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

  async appendToStream(streamId: string, events: { id: string; type: string; data: unknown; metadata: unknown }[]) {
    let position: Position | undefined;
    for (const e of events) position = this.record(streamId, e.type, e.data, e.metadata, e.id);
    return { success: true, nextExpectedRevision: BigInt(this.log.filter((r) => r.event?.streamId === streamId).length - 1), position };
  }

  async *readStream(streamId: string, options: { direction?: string; maxCount?: number }) {
    const events = this.log.filter((r) => r.event?.streamId === streamId);
    if (events.length === 0) throw new StreamNotFoundError(undefined, streamId);
    yield* (options.direction === 'backwards' ? [...events].reverse() : events).slice(0, options.maxCount ?? Infinity);
  }

  async *readAll(options: { fromPosition?: Position | 'start' | 'end'; maxCount?: number; direction?: string } = {}) {
    const from = options.fromPosition;
    if (options.direction === 'backwards' && from === 'end') return yield* [...this.log].reverse().slice(0, options.maxCount ?? Infinity);
    const after =
      from === undefined || from === 'start' ? this.log : this.log.filter((r) => typeof from === 'object' && (r.event?.position.commit ?? 0n) >= from.commit);
    yield* after.slice(0, options.maxCount ?? Infinity);
  }
}

async function storeOnFake(): Promise<{ store: EventStoreDbEventStore; client: FakeClient }> {
  const store = new EventStoreDbEventStore('esdb://127.0.0.1:1?tls=false');
  await store.close();
  const client = new FakeClient();
  Object.assign(store, { client });
  return { store, client };
}

describe('EventStoreDB adapter, on a stand-in for its client', () => {
  it('marks the events of one append with one id in their hashed metadata, and gives it back as their appendId only', async () => {
    const { store, client } = await storeOnFake();
    const together = [testEvent('t', { n: 1 }), testEvent('t', { n: 2 }), testEvent('t', { n: 3 })];
    await store.append('s', together, 'no_stream');
    await store.append('s', [testEvent('t', { n: 4 })], 2);
    const marks = client.log.map((r) => (r.event?.metadata as Record<string, unknown>).erbmAppend);
    expect(marks.slice(0, 3).every((m) => typeof m === 'string' && m === marks[0])).toBe(true);
    expect(marks[3]).toBeUndefined();

    const { events } = await store.readAll(null, 10);
    expect(new Set(events.slice(0, 3).map((e) => e.appendId)).size).toBe(1);
    expect(events[3].appendId).not.toBe(events[0].appendId);
    expect(events.map((e) => e.envelope)).toEqual([...together.map((e) => e.envelope), expect.anything()]);
    expect((await store.verifyChains()).breaks).toEqual([]);
  });

  it('counts what follows a checkpoint as readAll delivers it: not the event at the checkpoint, nor system events', async () => {
    const { store, client } = await storeOnFake();
    await store.append('a', [testEvent('t', {}), testEvent('t', {})], 'no_stream');
    client.record('$stats-127.0.0.1:2113', '$statsCollected', {}, {}, '00000000-0000-4000-8000-000000000001');
    await store.append('b', [testEvent('t', {})], 'no_stream');
    const { events } = await store.readAll(null, 10);
    expect(events).toHaveLength(3);
    expect(await store.countAfter(null)).toBe(3);
    expect(await store.countAfter(events[0].position)).toBe(2);
    expect(await store.countAfter(events[2].position)).toBe(0);
    expect(await store.head()).toBe(events[2].position);
  });
});

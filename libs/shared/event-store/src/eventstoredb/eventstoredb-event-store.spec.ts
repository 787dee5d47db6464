import { createHash } from 'node:crypto';
import { StreamNotFoundError, WrongExpectedVersionError, type AllStreamResolvedEvent, type Position } from '@eventstore/db-client';
import { testEvent } from '../testing/events';
import { CHAIN_KEY, esdbEventHash, splitChainedMetadata } from './esdb-chain';
import { SEALS_STREAM, SEAL_TYPE } from './esdb-seals';
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

/**
 * The stand-in above, refusing an append at a stale expected revision as the server does (the client's own
 * WrongExpectedVersionError); `beforeAppend` lets a test put another writer between a sealer's read and its append.
 */
class RevisionCheckingClient extends FakeClient {
  beforeAppend?: (streamId: string) => Promise<void>;

  override async appendToStream(
    streamId: string,
    events: { id: string; type: string; data: unknown; metadata: unknown }[],
    options: { expectedRevision?: bigint | 'any' | 'no_stream' } = {},
  ) {
    await this.beforeAppend?.(streamId);
    const count = this.log.filter((r) => r.event?.streamId === streamId).length;
    const current = count === 0 ? 'no_stream' : BigInt(count - 1);
    const expected = options.expectedRevision ?? 'any';
    if (expected !== 'any' && expected !== current) throw new WrongExpectedVersionError(undefined, { streamName: streamId, expected, current });
    return super.appendToStream(streamId, events);
  }
}

describe('seals on EventStoreDB, on the stand-in for its client (not a server run)', () => {
  async function sealedStore() {
    const store = new EventStoreDbEventStore('esdb://127.0.0.1:1?tls=false');
    await store.close();
    const client = new RevisionCheckingClient();
    Object.assign(store, { client });
    await store.append('commitment-a', [testEvent('t', { n: 1 }), testEvent('t', { n: 2 })], 'no_stream');
    client.record('$stats-127.0.0.1:2113', '$statsCollected', {}, {}, '00000000-0000-4000-8000-000000000001');
    await store.append('meeting-b', [testEvent('t', { n: 3 })], 'no_stream');
    await store.append('commitment-a', [testEvent('t', { n: 4 })], 1);
    return { store, client };
  }

  const sealEvents = (client: FakeClient) => client.log.filter((r) => r.event?.streamId === SEALS_STREAM);
  const indexOf = (client: FakeClient, stream: string, revision: number) =>
    client.log.findIndex((r) => r.event?.streamId === stream && r.event.revision === BigInt(revision));

  /** An attacker's rewrite of the last event of a stream: new data and the chain hash recomputed, so every chain still holds. */
  function rewrite(client: FakeClient, stream: string, revision: number, data: unknown) {
    const event = client.log[indexOf(client, stream, revision)].event as NonNullable<AllStreamResolvedEvent['event']>;
    const previous = revision === 0 ? null : (client.log[indexOf(client, stream, revision - 1)].event?.metadata as Record<string, string>)[CHAIN_KEY];
    const { metadata } = splitChainedMetadata(event.metadata as Record<string, unknown>);
    const hash = esdbEventHash(previous, revision, { id: event.id, streamName: stream, type: event.type, schemaVersion: 1, data, metadata });
    Object.assign(event, { data, metadata: { ...metadata, [CHAIN_KEY]: hash } });
  }

  it('folds the port log, in log order, into the documented digest, chains the next seal to it, and keeps the seals out of the log', async () => {
    const { store, client } = await sealedStore();
    const head = await store.head();
    const first = await store.createSeal('auditor');
    const { events } = await store.readAll(null, 100);
    // The formula of the PostgreSQL seals (hash-chain.ts), over this store's positions: system events are not folded.
    const expected = createHash('sha256');
    for (const e of events)
      expected.update(`${e.position}|${e.streamName}|${e.revision}|${Date.parse(e.recordedAt)}|`).update(Buffer.from(e.hash as string, 'hex'));
    expect(first).toMatchObject({ sealNumber: 1, events: 4, upToPosition: events[3].position, previousDigest: null, sealedBy: 'auditor' });
    expect(first?.digest).toBe(expected.digest('hex'));
    expect(sealEvents(client).map((r) => [r.event?.revision, (r.event?.data as { digest: string }).digest])).toEqual([[0n, first?.digest]]);
    // The seal is not an event of the port's log: readers, the head and the lag do not see it.
    expect((await store.readAll(null, 100)).events.map((e) => e.streamName)).not.toContain(SEALS_STREAM);
    expect(await store.head()).toBe(head);
    expect(await store.countAfter(head)).toBe(0);

    expect(await store.createSeal('auditor')).toBeNull();
    await store.append('meeting-b', [testEvent('t', { n: 5 })], 0);
    const second = await store.createSeal('auditor');
    expect(second).toMatchObject({ sealNumber: 2, events: 1, previousDigest: first?.digest, upToPosition: await store.head() });
    expect(await store.listSeals()).toEqual([first, second]);
    expect(await store.verifyEventLog()).toMatchObject({ ok: true, eventsChecked: 5, streamsChecked: 2, sealsChecked: 2, breaks: [], sealBreaks: [] });
  });

  it('breaks the seal over an event rewritten with its chain recomputed, and over a stream gone whole, which no chain shows', async () => {
    const { store, client } = await sealedStore();
    const seal = await store.createSeal('auditor');
    await store.append('meeting-b', [testEvent('t', { n: 5 })], 0);
    rewrite(client, 'commitment-a', 2, { n: 999_999 });
    const altered = await store.verifyEventLog();
    expect(altered.breaks).toEqual([]);
    expect(altered.sealBreaks).toEqual([{ sealNumber: 1, digest: seal?.digest, reason: expect.stringContaining('one of them, or the seal, was altered') }]);
    expect(altered.ok).toBe(false);

    const { client: other, store: again } = await sealedStore();
    await again.createSeal('auditor');
    other.log.splice(indexOf(other, 'meeting-b', 0), 1);
    const deleted = await again.verifyEventLog();
    expect(deleted.breaks).toEqual([]);
    expect(deleted.sealBreaks.map((b) => [b.sealNumber, b.reason])).toEqual([[1, expect.stringContaining('4 events were sealed up to')]]);
    expect(deleted.sealBreaks[0].reason).toContain('3 are there now: events were deleted or inserted');
  });

  async function threeSeals() {
    const { store, client } = await sealedStore();
    const seals = [await store.createSeal('auditor')];
    for (const n of [5, 6]) {
      await store.append(`stream-${n}`, [testEvent('t', { n })], 'no_stream');
      seals.push(await store.createSeal('auditor'));
    }
    expect((await store.verifyEventLog()).ok).toBe(true);
    return { store, client, seals };
  }

  it('names a seal altered in its stream, and the seal chained to it', async () => {
    const { store, client, seals } = await threeSeals();
    const second = sealEvents(client)[1].event as NonNullable<AllStreamResolvedEvent['event']>;
    Object.assign(second, { data: { ...(second.data as object), digest: 'ab'.repeat(32) } });
    const report = await store.verifyEventLog();
    expect(report.breaks).toEqual([]);
    expect(report.sealBreaks[0]).toEqual({ sealNumber: 2, digest: 'ab'.repeat(32), reason: expect.stringContaining('was altered') });
    expect(report.sealBreaks.slice(1)).toContainEqual({ sealNumber: 3, digest: seals[2]?.digest, reason: "its previous digest is not seal 2's" });
    expect(report.sealBreaks.map((b) => b.sealNumber)).not.toContain(1);
  });

  it('names a seal missing from its stream, in the middle or at the start, and still checks the seals after the next one', async () => {
    const { store, client, seals } = await threeSeals();
    client.log.splice(client.log.indexOf(sealEvents(client)[1]), 1);
    const middle = await store.verifyEventLog({ digest: seals[0]?.digest });
    expect(middle.sealBreaks).toEqual([{ sealNumber: 3, digest: seals[2]?.digest, reason: `seal 2 is missing from ${SEALS_STREAM} before it` }]);
    expect(middle).toMatchObject({ ok: false, sealsChecked: 2, digestFound: true });

    const other = await threeSeals();
    other.client.log.splice(other.client.log.indexOf(sealEvents(other.client)[0]), 1);
    const start = await other.store.verifyEventLog();
    expect(start.sealBreaks).toEqual([{ sealNumber: 2, digest: other.seals[1]?.digest, reason: `seal 1 is missing from ${SEALS_STREAM} before it` }]);
    // Seal 3 is recomputed from seal 2: an event sealed by it, rewritten, is still caught.
    rewrite(other.client, 'stream-6', 0, { n: 7 });
    expect((await other.store.verifyEventLog()).sealBreaks.map((b) => b.sealNumber)).toEqual([2, 3]);
  });

  it('names an event of the seals stream that is not a seal, and refuses to chain a seal on it', async () => {
    const { store, client, seals } = await threeSeals();
    client.record(SEALS_STREAM, SEAL_TYPE, { sealNumber: 4, upToPosition: 'the end', digest: 'ab'.repeat(32) }, {}, '00000000-0000-4000-8000-000000000002');
    const report = await store.verifyEventLog();
    expect(report.sealBreaks).toEqual([{ sealNumber: 4, digest: 'ab'.repeat(32), reason: expect.stringContaining('is not a seal this system writes') }]);
    expect(report.sealBreaks[0].reason).toContain('its position the end is not a position of this store');
    await expect(store.createSeal('auditor')).rejects.toThrow(`the last event of ${SEALS_STREAM} (revision 3) is not a seal`);
    expect(await store.listSeals()).toEqual(seals);
  });

  it('finds the digest an auditor kept (in either case) and fails on a digest no seal has, the log intact', async () => {
    const { store, seals } = await threeSeals();
    expect(await store.verifyEventLog({ digest: seals[1]?.digest.toUpperCase() })).toMatchObject({ ok: true, digestFound: true });
    const unknown = await store.verifyEventLog({ digest: 'ab'.repeat(32) });
    expect(unknown).toMatchObject({ ok: false, digestFound: false, breaks: [], sealBreaks: [] });
  });

  it('appends a seal at the revision after the seal it folded from: one that lost a race folds again after the winner', async () => {
    const { store, client } = await sealedStore();
    let other: Awaited<ReturnType<typeof store.createSeal>> | undefined;
    client.beforeAppend = async (stream) => {
      if (stream !== SEALS_STREAM || other !== undefined) return;
      other = null;
      other = await store.createSeal('other sealer');
      await store.append('late', [testEvent('t', { n: 9 })], 'no_stream');
    };
    const mine = await store.createSeal('auditor');
    expect(other).toMatchObject({ sealNumber: 1, events: 4 });
    expect(mine).toMatchObject({ sealNumber: 2, events: 1, previousDigest: other?.digest, sealedBy: 'auditor' });
    expect(sealEvents(client)).toHaveLength(2);
    expect(await store.verifyEventLog()).toMatchObject({ ok: true, sealsChecked: 2 });
  });
});

import { randomUUID } from 'node:crypto';
import { AccessDeniedError, DeadlineExceededError, UnavailableError } from '@eventstore/db-client';
import { testEvent } from '../testing/events';
import { EsdbStandIn, asClient } from '../testing/esdb-stand-in';
import { EventStoreAccessDeniedError, InvalidEventError, StreamDeletedError, WriteContendedError, WrongExpectedRevisionError } from '../errors';
import type { StoredEvent } from '../event-store.port';
import { unreachableStore } from '../unavailable';
import { EventStoreDbEventStore, FOREIGN_ACTOR, READ_CHUNK } from './eventstoredb-event-store';

/**
 * The adapter's own rules (paging, retries, errors, deadlines), on a stand-in for EventStoreDB's client
 * (`testing/esdb-stand-in.ts`): none of this says the adapter works on a server. The contract suite does, when
 * EVENTSTORE_CONNECTION_STRING is set (`eventstoredb-event-store.int.spec.ts`).
 */
function onStandIn(options: ConstructorParameters<typeof EventStoreDbEventStore>[1] = {}): { store: EventStoreDbEventStore; client: EsdbStandIn } {
  const client = new EsdbStandIn();
  return { store: new EventStoreDbEventStore('esdb://stand-in?tls=false', { ...options, client: asClient(client) }), client };
}

async function wholeLog(store: EventStoreDbEventStore, limit: number): Promise<{ events: StoredEvent[]; pages: number }> {
  const events: StoredEvent[] = [];
  let pages = 0;
  for (let checkpoint: string | null = null; ;) {
    const page = await store.readAll(checkpoint, limit);
    pages += 1;
    if (!page.isEnd) expect(page.events).toHaveLength(limit);
    if (page.events.length) expect(page.checkpoint).toBe(page.events[page.events.length - 1].position);
    else expect(page.checkpoint).toBe(checkpoint);
    events.push(...page.events);
    checkpoint = page.checkpoint;
    if (page.isEnd) return { events, pages };
  }
}

describe('EventStoreDB adapter, on a stand-in for its client', () => {
  it('marks the events of one append with one id in their hashed metadata, and gives it back as their appendId only', async () => {
    const { store, client } = onStandIn();
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
    const { store, client } = onStandIn();
    await store.append('a', [testEvent('t', {}), testEvent('t', {})], 'no_stream');
    client.systemRecords(1);
    await store.append('b', [testEvent('t', {})], 'no_stream');
    const { events } = await store.readAll(null, 10);
    expect(events).toHaveLength(3);
    expect(await store.countAfter(null)).toBe(3);
    expect(await store.countAfter(events[0].position)).toBe(2);
    expect(await store.countAfter(events[2].position)).toBe(0);
    expect(await store.head()).toBe(events[2].position);
  });

  describe('readAll pages over system records', () => {
    it('fills each page with events of the log, however many system records lie between them, and ends only at the end', async () => {
      const { store, client } = onStandIn();
      await store.append('a', [testEvent('t', { n: 0 })], 'no_stream');
      client.systemRecords(READ_CHUNK * 2 + 5);
      await store.append('a', [testEvent('t', { n: 1 })], 0);
      await store.append('b', [testEvent('t', { n: 2 })], 'no_stream');
      client.systemRecords(3 * READ_CHUNK);
      await store.append('c', [testEvent('t', { n: 3 })], 'no_stream');
      client.systemRecords(10);

      const { events, pages } = await wholeLog(store, 2);
      expect(events.map((e) => (e.data as { n: number }).n)).toEqual([0, 1, 2, 3]);
      // Two pages: [0, 1], then [2, 3], which read on over the system records to the end and says so.
      expect(pages).toBe(2);
      const first = await store.readAll(null, 1);
      expect(first).toMatchObject({ isEnd: false, checkpoint: events[0].position });
      // After the last event only system records follow: the end, standing where it was.
      expect(await store.readAll(events[3].position, 5)).toEqual({ events: [], checkpoint: events[3].position, isEnd: true });
    });

    it('finds the head behind more system records than one read holds', async () => {
      const { store, client } = onStandIn();
      expect(await store.head()).toBeNull();
      const { position } = await store.append('a', [testEvent('t', {})], 'no_stream');
      client.systemRecords(READ_CHUNK * 3 + 1);
      expect(await store.head()).toBe(position);
      expect(await store.countAfter(position)).toBe(0);
    });
  });

  describe('a retried append', () => {
    it('is found however many events came after it, with its expected revision or with any', async () => {
      const { store, client } = onStandIn();
      const batch = [testEvent('t', { n: 0 }), testEvent('t', { n: 1 })];
      const first = await store.append('s', batch, 'no_stream');
      for (let i = 0; i < 300; i += 1) await store.append('s', [testEvent('t', { n: 2 + i })], 1 + i);
      const appendsBefore = client.calls.append;
      expect(await store.append('s', batch, 'no_stream')).toEqual(first);
      expect(await store.append('s', batch, 'any')).toEqual(first);
      expect(await store.append('s', batch, 301)).toEqual(first);
      expect(client.calls.append).toBe(appendsBefore);
      expect(await store.readStream('s')).toHaveLength(302);
      await expect(store.append('s', [batch[0], testEvent('t', {})], 'any')).rejects.toBeInstanceOf(InvalidEventError);
    });

    it('that raced its own first attempt answers that attempt, not a conflict', async () => {
      const { store, client } = onStandIn();
      await store.append('s', [testEvent('t', {})], 'no_stream');
      const batch = [testEvent('t', { n: 1 })];
      // The first attempt lands between the retry's read and its write.
      client.beforeAppend = () => {
        client.beforeAppend = undefined;
        client.record('s', batch[0].type, batch[0].data, { schemaVersion: 1, ...batch[0].envelope }, batch[0].id);
      };
      expect((await store.append('s', batch, 0)).nextRevision).toBe(1);
      expect(await store.readStream('s')).toHaveLength(2);
    });

    it('with an id another stream holds is named by verify (no index by id refuses it on write)', async () => {
      const { store } = onStandIn();
      const e = testEvent('t', {});
      await store.append('a', [e], 'no_stream');
      await store.append('b', [e], 'no_stream');
      const { breaks } = await store.verifyChains();
      expect(breaks).toEqual([expect.objectContaining({ streamName: 'b', eventId: e.id, reason: 'event id already stored in stream "a"' })]);
    });
  });

  describe('expected revision any', () => {
    it('never races within one process: appends to one stream wait for each other', async () => {
      const { store, client } = onStandIn();
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.append('s', [testEvent('t', { i })], 'any')));
      const events = await store.readStream('s');
      expect(events.map((e) => e.revision)).toEqual([...Array(20).keys()]);
      expect(client.calls.append).toBe(20);
      expect((await store.verifyChains()).breaks).toEqual([]);
    });

    it('chains again on the new tip when another process wins, and says contention, not a conflict, when it never gets in', async () => {
      const { store, client } = onStandIn({ contentionMs: 0 });
      await store.append('s', [testEvent('t', {})], 'no_stream');
      let others = 0;
      client.beforeAppend = (stream) => {
        if (others < 3) client.record(stream, 't', {}, {}, `00000000-0000-4000-8000-00000000000${others++}`);
      };
      const patient = new EventStoreDbEventStore('esdb://stand-in?tls=false', { client: asClient(client), contentionMs: 60_000 });
      const result = await patient.append('s', [testEvent('t', { mine: true })], 'any');
      expect(result.nextRevision).toBe(4);
      expect(client.calls.append).toBe(1 + 4);

      client.beforeAppend = (stream) => void client.record(stream, 't', {}, {}, randomUUID());
      const error = await store.append('s', [testEvent('t', {})], 'any').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WriteContendedError);
      expect(error).not.toBeInstanceOf(WrongExpectedRevisionError);
    });
  });

  it('refuses an exact revision that is stale with the actual revision, writing nothing', async () => {
    const { store } = onStandIn();
    await store.append('s', [testEvent('t', {}), testEvent('t', {})], 'no_stream');
    await expect(store.append('s', [testEvent('t', {})], 0)).rejects.toMatchObject({ name: 'WrongExpectedRevisionError', expected: 0, actual: 1 });
    expect(await store.readStream('s')).toHaveLength(2);
  });

  it('reads an event another tool wrote without metadata, and verify names it', async () => {
    const { store, client } = onStandIn();
    await store.append('s', [testEvent('t', { n: 0 })], 'no_stream');
    client.record('s', 'foreign.Thing', { n: 1 }, undefined, '11111111-1111-4111-8111-111111111111');
    client.record('s', 'foreign.Bytes', { n: 2 }, new Uint8Array([1, 2, 3]), '22222222-2222-4222-8222-222222222222');
    const read = await store.readStream('s');
    expect(read.map((e) => e.type)).toEqual(['t', 'foreign.Thing', 'foreign.Bytes']);
    expect(read[1]).toMatchObject({ schemaVersion: 1, envelope: { actor: FOREIGN_ACTOR, occurredAt: read[1].recordedAt }, revision: 1 });
    expect(read[1].hash).toBeUndefined();
    expect((await store.readAll(null, 10)).events).toHaveLength(3);
    const { breaks } = await store.verifyChains();
    expect(breaks.map((b) => [b.revision, b.reason])).toEqual([
      [1, 'the event carries no hash'],
      [2, 'the event carries no hash'],
    ]);
  });

  it('refuses an invalid recordedUpTo, from or to, as the PostgreSQL store does', async () => {
    const { store } = onStandIn();
    await expect(store.readStream('s', { recordedUpTo: 'hier' })).rejects.toMatchObject({ name: 'InvalidEventError', field: 'recordedUpTo' });
    await expect(store.readStream('s', { from: -1 })).rejects.toMatchObject({ field: 'from' });
    await expect(store.readStream('s', { to: 1.5 })).rejects.toMatchObject({ field: 'to' });
  });

  describe('a stream deleted outside this system', () => {
    it('is not written again: soft-deleted, then recreated by another tool', async () => {
      const { store, client } = onStandIn();
      await store.append('s', [testEvent('t', {}), testEvent('t', {})], 'no_stream');
      client.softDelete('s');
      await expect(store.readStream('s')).rejects.toMatchObject({ name: 'StreamDeletedError', streamName: 's', how: 'deleted' });
      expect(await store.readStream('never-written')).toEqual([]);
      const deleted = await store.append('s', [testEvent('t', {})], 'no_stream').catch((e: unknown) => e);
      expect(deleted).toBeInstanceOf(StreamDeletedError);
      expect(deleted).toMatchObject({ streamName: 's', how: 'deleted' });
      // Another tool writes it again: EventStoreDB numbers on from 2, and the adapter reads a stream without its start.
      client.record('s', 't', {}, {}, '33333333-3333-4333-8333-333333333333');
      await expect(store.append('s', [testEvent('t', {})], 'any')).rejects.toMatchObject({ name: 'StreamDeletedError', how: 'truncated' });
      expect(client.log.filter((r) => r.event?.streamId === 's')).toHaveLength(3);
      const { breaks } = await store.verifyChains();
      expect(breaks.map((b) => b.reason)).toContain('the event carries no hash');
    });
  });

  describe('reads that get no answer', () => {
    it('are abandoned after the idle deadline as an unreachable event store, and the call is cancelled', async () => {
      const { store, client } = onStandIn({ readIdleMs: 20 });
      await store.append('s', [testEvent('t', {})], 'no_stream');
      client.silentReads = true;
      const error = await store.readAll(null, 10).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeadlineExceededError);
      expect(unreachableStore(error)).toBe('eventStore');
      expect(client.calls.cancelled).toBeGreaterThanOrEqual(1);
      await expect(store.head()).rejects.toBeInstanceOf(DeadlineExceededError);
    });
  });

  describe('subscriptions', () => {
    it('are made again after a drop, from the last event delivered: nothing lost, nothing twice', async () => {
      const { store, client } = onStandIn({ resubscribeDelaysMs: [1] });
      for (let i = 0; i < 5; i += 1) await store.append(`s${i}`, [testEvent('t', { i })], 'no_stream');
      client.dropAfter = 2;
      client.dropWith = () => new UnavailableError();
      const subscription = store.subscribe(null);
      const seen: number[] = [];
      for await (const e of subscription) {
        seen.push((e.data as { i: number }).i);
        if (seen.length === 5) break;
      }
      await subscription.close();
      expect(seen).toEqual([0, 1, 2, 3, 4]);
      const [first, second, third] = client.subscriptions;
      expect(first).toBe('start');
      const positions = client.log.map((r) => r.event?.position);
      expect(second).toEqual(positions[1]);
      expect(third).toEqual(positions[3]);
    });

    it("end with the error when it is not one that passes, as the port's error", async () => {
      const { store, client } = onStandIn({ resubscribeDelaysMs: [1] });
      await store.append('s', [testEvent('t', {})], 'no_stream');
      client.dropAfter = 0;
      client.dropWith = () => new AccessDeniedError();
      const subscription = store.subscribe(null);
      await expect(
        (async () => {
          for await (const e of subscription) void e;
        })(),
      ).rejects.toBeInstanceOf(EventStoreAccessDeniedError);
      expect(client.calls.subscribe).toBe(1);
    });
  });

  describe('the name of its log', () => {
    it('is drawn once and read alike by every process on the cluster, the first one written winning a race', async () => {
      const client = new EsdbStandIn();
      const one = new EventStoreDbEventStore('esdb://stand-in?tls=false', { client: asClient(client) });
      const two = new EventStoreDbEventStore('esdb://stand-in?tls=false', { client: asClient(client) });
      // Both read "none yet"; the second one's write comes after the first's and is refused: it reads the first's.
      let raced = false;
      client.beforeSetMetadata = async () => {
        if (raced) return;
        raced = true;
        await two.logId();
      };
      const first = await one.logId();
      expect(first).toMatch(/^eventstoredb:[0-9a-f-]{36}$/);
      expect(await two.logId()).toBe(first);
      expect(await new EventStoreDbEventStore('esdb://stand-in?tls=false', { client: asClient(client) }).logId()).toBe(first);
      // Not an event of the port's log.
      expect((await one.readAll(null, 10)).events).toEqual([]);
      expect(await new EventStoreDbEventStore('esdb://stand-in?tls=false', { client: asClient(new EsdbStandIn()) }).logId()).not.toBe(first);
    });
  });
});

import { randomUUID } from 'node:crypto';
import { testEvent } from '../testing/events';
import { eventStoreContract } from '../testing/event-store.contract';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { InvalidEventError, StreamDeletedError } from '../errors';
import { MAX_APPEND_BYTES, measureAppend } from '../validation';
import { EventStoreDbEventStore, FOREIGN_ACTOR } from './eventstoredb-event-store';

const connectionString = process.env.EVENTSTORE_CONNECTION_STRING;

describe('EventStoreDB adapter without a server', () => {
  it('refuses invalid input before any network call', async () => {
    // Port 1 has no server: a network call would fail with UNAVAILABLE, not with InvalidEventError.
    const store = new EventStoreDbEventStore('esdb://127.0.0.1:1?tls=false');
    await expect(store.append('', [testEvent('t', {})], 'any')).rejects.toBeInstanceOf(InvalidEventError);
    await expect(store.append('s', [testEvent('t', { f: () => 1 })], 'any')).rejects.toMatchObject({
      field: 'events[0].data.f',
    });
    await expect(store.readAll('not-a-position', 10)).rejects.toMatchObject({ field: 'checkpoint' });
    await expect(store.countAfter('not-a-position')).rejects.toMatchObject({ field: 'checkpoint' });
    await store.close();
  });

  it('refuses an append larger than MAX_APPEND_BYTES before any network call', async () => {
    // Port 1 has no server: a network call would fail with UNAVAILABLE, not with AppendTooLargeError.
    const store = new EventStoreDbEventStore('esdb://127.0.0.1:1?tls=false');
    const events = [testEvent('t', { pad: 'x'.repeat(MAX_APPEND_BYTES) })];
    await expect(store.append('s', events, 'any')).rejects.toMatchObject({
      name: 'AppendTooLargeError',
      streamName: 's',
      bytes: measureAppend(events).bytes,
      limit: MAX_APPEND_BYTES,
    });
    await store.close();
  });

  it('knows its positions by their form, commit and prepare positions of the transaction file', async () => {
    const store = new EventStoreDbEventStore('esdb://127.0.0.1:1?tls=false');
    expect(['0/0', '4321/4321', '18446744073709551615/18446744073709551615'].map((t) => store.isPosition(t))).toEqual([true, true, true]);
    expect(['', 'garbage', '12', '01/2', '1/2/3', '-1/2', '18446744073709551616/0'].filter((t) => store.isPosition(t))).toEqual([]);
    await store.close();
  });
});

if (!connectionString) process.stdout.write('\nEventStoreDB contract suite SKIPPED: EVENTSTORE_CONNECTION_STRING is not set (no EventStoreDB server here).\n');

// The one skip the suite allows: the contract needs a real server (e.g. esdb://localhost:2113?tls=false).
(connectionString ? describe : describe.skip)(
  connectionString
    ? 'EventStoreDB adapter (EVENTSTORE_CONNECTION_STRING set: real server)'
    : 'EventStoreDB adapter SKIPPED: set EVENTSTORE_CONNECTION_STRING to run it against a server',
  () => {
    let store: EventStoreDbEventStore;
    beforeAll(() => {
      store = new EventStoreDbEventStore(connectionString as string);
    });
    afterAll(() => store.close());
    eventStoreContract(() => store);

    describe('what only a server shows', () => {
      let raw: EventStoreDBClient;
      beforeAll(() => {
        raw = EventStoreDBClient.connectionString(connectionString as string);
      });
      afterAll(() => raw.dispose());

      it('pages over thousands of system records: full pages, the head behind them, an empty page only at the end', async () => {
        const prefix = `noise-${randomUUID()}`;
        const first = await store.append(`${prefix}-a`, [testEvent('t', { n: 0 })], 'no_stream');
        for (let i = 0; i < 10; i += 1) {
          await raw.appendToStream(
            `$${prefix}`,
            Array.from({ length: 500 }, (_, j) => jsonEvent({ type: '$noise', data: { i, j } })),
          );
        }
        const second = await store.append(`${prefix}-b`, [testEvent('t', { n: 1 })], 'no_stream');
        for (let i = 0; i < 10; i += 1) {
          await raw.appendToStream(
            `$${prefix}`,
            Array.from({ length: 500 }, (_, j) => jsonEvent({ type: '$noise', data: { i, j } })),
          );
        }
        const page = await store.readAll(first.position, 1);
        expect(page.events.map((e) => e.position)).toEqual([second.position]);
        expect(page.checkpoint).toBe(second.position);
        expect(await store.readAll(second.position, 10)).toMatchObject({ checkpoint: second.position, isEnd: true });
        expect(await store.head()).toBe(second.position);
        expect(await store.countAfter(first.position)).toBe(1);
      });

      it('reads an event another tool wrote without metadata, and verify names it', async () => {
        const s = `foreign-${randomUUID()}`;
        await store.append(s, [testEvent('t', {})], 'no_stream');
        await raw.appendToStream(s, jsonEvent({ type: 'foreign.Thing', data: { n: 1 } }));
        const read = await store.readStream(s);
        expect(read[1]).toMatchObject({ type: 'foreign.Thing', revision: 1, envelope: { actor: FOREIGN_ACTOR } });
        const report = await store.verifyChains(100_000);
        expect(report.breaks.filter((b) => b.streamName === s).map((b) => b.reason)).toEqual(['the event carries no hash']);
      });

      it('does not write again to a stream deleted outside this system, soft or hard', async () => {
        const soft = `deleted-${randomUUID()}`;
        await store.append(soft, [testEvent('t', {})], 'no_stream');
        await raw.deleteStream(soft);
        await expect(store.append(soft, [testEvent('t', {})], 'no_stream')).rejects.toBeInstanceOf(StreamDeletedError);
        const hard = `tombstoned-${randomUUID()}`;
        await store.append(hard, [testEvent('t', {})], 'no_stream');
        await raw.tombstoneStream(hard);
        await expect(store.append(hard, [testEvent('t', {})], 'any')).rejects.toBeInstanceOf(StreamDeletedError);
      });
    });

    it('chains every event of a stream, concurrent writers with expected revision any included', async () => {
      const stream = `chain-${randomUUID()}`;
      await store.append(stream, [testEvent('t', { n: 0 }), testEvent('t', { n: 1 })], 'no_stream');
      await Promise.all(Array.from({ length: 8 }, (_, i) => store.append(stream, [testEvent('t', { n: 2 + i })], 'any')));
      const events = await store.readStream(stream);
      expect(events.map((e) => e.revision)).toEqual([...Array(10).keys()]);
      expect(new Set(events.map((e) => e.hash)).size).toBe(10);
      const report = await store.verifyChains(1_000);
      expect(report.breaks.filter((b) => b.streamName === stream)).toEqual([]);
    });

    // The seals fold the whole log: these run on a server nobody else writes to meanwhile (npm run test:eventstoredb).
    it('seals the log up to its head, keeps the seal out of the log, and verifies it with the digest kept outside', async () => {
      await store.append(`seal-${randomUUID()}`, [testEvent('t', { n: 1 }), testEvent('t', { n: 2 })], 'no_stream');
      const head = await store.head();
      const seal = await store.createSeal('contract');
      expect(seal).toMatchObject({ upToPosition: head, sealedBy: 'contract' });
      expect(await store.head()).toBe(head);
      expect(await store.countAfter(head)).toBe(0);
      expect(await store.createSeal('contract')).toBeNull();
      const report = await store.verifyEventLog({ digest: seal?.digest });
      expect(report).toMatchObject({ sealBreaks: [], digestFound: true });
      expect(report.sealsChecked).toBeGreaterThanOrEqual(1);
      expect(await store.verifyEventLog({ digest: 'ab'.repeat(32) })).toMatchObject({ ok: false, digestFound: false });
    });

    it('two sealers at once: the seal stream is appended at an exact revision, so each seal chains on the one before', async () => {
      await store.append(`seal-${randomUUID()}`, [testEvent('t', {})], 'no_stream');
      const before = (await store.listSeals()).length;
      const made = (await Promise.all([store.createSeal('a'), store.createSeal('b'), store.createSeal('c')])).filter((s) => s !== null);
      expect(made.length).toBeGreaterThanOrEqual(1);
      const seals = await store.listSeals();
      expect(seals.map((s) => s.sealNumber)).toEqual(seals.map((_, i) => i + 1));
      // Every seal made is in the stream once, and nothing else was added to it.
      expect(
        seals
          .slice(before)
          .map((s) => s.digest)
          .sort(),
      ).toEqual(made.map((s) => s?.digest).sort());
      for (const [i, s] of seals.entries()) expect(s.previousDigest).toBe(i === 0 ? null : seals[i - 1].digest);
      expect((await store.verifyEventLog()).sealBreaks).toEqual([]);
    });
  },
);

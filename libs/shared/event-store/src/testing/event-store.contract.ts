import { randomUUID } from 'node:crypto';
import { eventUpcasters } from '@erbm/shared/kernel';
import { untilClockPasses } from './clock';
import { testEvent } from './events';
import { AppendTooLargeError, InvalidEventError, WrongExpectedRevisionError } from '../errors';
import type { EventStore, NewEvent, StoredEvent } from '../event-store.port';
import { MAX_APPEND_BYTES, measureAppend } from '../validation';

/**
 * One behaviour suite for every adapter of the port. Each test works on streams of its own (a random prefix), so the
 * suite runs on a store that already holds events. `settled` resolves once every event appended so far can be read
 * from the global log: an adapter whose log lags its commits (PostgreSQL: see logSettled) is waited for before a read
 * of the log that must see them all.
 */
export function eventStoreContract(getStore: () => EventStore, settled: () => Promise<void> = async () => undefined): void {
  const stream = (name = 'stream') => `contract-${randomUUID()}-${name}`;
  const event = (type = 'test.Happened', data: unknown = { n: 1 }): NewEvent => testEvent(type, data);

  async function readAllOf(store: EventStore, prefix: string): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    let checkpoint: string | null = null;
    for (;;) {
      const page = await store.readAll(checkpoint, 5_000);
      out.push(...page.events.filter((e) => e.streamName.startsWith(prefix)));
      checkpoint = page.checkpoint;
      if (page.isEnd) return out;
    }
  }

  describe('append and readStream', () => {
    it('numbers revisions from 0 and returns the last revision and a position', async () => {
      const s = stream();
      const first = await getStore().append(s, [event(), event()], 'no_stream');
      expect(first.nextRevision).toBe(1);
      const second = await getStore().append(s, [event()], 1);
      expect(second.nextRevision).toBe(2);
      const read = await getStore().readStream(s);
      expect(read.map((e) => e.revision)).toEqual([0, 1, 2]);
      expect(read[2].position).toBe(second.position);
      expect(second.position).not.toBe(first.position);
    });

    it('reports the head of the log: the position of the last event appended, the end of a read from the start', async () => {
      const s = stream();
      const { position } = await getStore().append(s, [event(), event()], 'no_stream');
      await settled();
      expect(await getStore().head()).toBe(position);
    });

    it('stores the whole envelope and sets recordedAt itself', async () => {
      const s = stream();
      const e = testEvent(
        'exemple.OperationRegistered',
        { dwellings: 120 },
        {
          schemaVersion: 2,
          envelope: {
            actor: { userId: 'u-42', role: 'editor:exemple', organisation: 'DDTM 62' },
            onBehalfOf: 'ca_lens_lievin',
            occurredAt: '2018-06-14T09:30:00.000Z',
            reason: 'COPIL de juin 2018',
            sourceDocument: { kind: 'minutes', reference: 'CR COPIL 2018-06' },
            correlationId: randomUUID(),
            causationId: randomUUID(),
          },
        },
      );
      const before = Date.now();
      await getStore().append(s, [e], 'any');
      const [stored] = await getStore().readStream(s);
      expect(stored).toMatchObject({ id: e.id, type: e.type, schemaVersion: 2, data: e.data, envelope: e.envelope, streamName: s });
      expect(Date.parse(stored.recordedAt)).toBeGreaterThanOrEqual(before - 2_000);
      expect(Date.parse(stored.recordedAt)).toBeLessThanOrEqual(Date.now() + 2_000);
    });

    it('reads a window of revisions', async () => {
      const s = stream();
      await getStore().append(
        s,
        Array.from({ length: 10 }, () => event()),
        'no_stream',
      );
      const window = await getStore().readStream(s, { from: 3, to: 5 });
      expect(window.map((e) => e.revision)).toEqual([3, 4, 5]);
    });

    it('reads an unknown stream as empty', async () => {
      expect(await getStore().readStream(stream('missing'))).toEqual([]);
    });
  });

  describe('schema versions', () => {
    it("reads an event of an older schema version as its type's upcasters say, in its stream and in the log", async () => {
      const type = `contract.Upcast-${randomUUID()}`;
      eventUpcasters.register(
        { type, fromVersion: 1, upcast: (d: { n: number }) => ({ count: d.n }) },
        { type, fromVersion: 2, upcast: (d: { count: number }) => ({ ...d, unit: 'euro' }) },
      );
      const s = stream();
      const versions = [
        { ...event(type, { n: 1 }), schemaVersion: 1 },
        { ...event(type, { count: 2 }), schemaVersion: 2 },
        { ...event(type, { count: 3, unit: 'cent' }), schemaVersion: 3 },
      ];
      await getStore().append(s, versions, 'no_stream');
      const read = await getStore().readStream(s);
      expect(read.map((e) => [e.schemaVersion, e.data])).toEqual([
        [3, { count: 1, unit: 'euro' }],
        [3, { count: 2, unit: 'euro' }],
        [3, { count: 3, unit: 'cent' }],
      ]);
      await settled();
      expect((await readAllOf(getStore(), s)).map((e) => [e.schemaVersion, e.data])).toEqual(read.map((e) => [e.schemaVersion, e.data]));
    });
  });

  describe('expected revision', () => {
    it('refuses a stale exact revision, naming stream, expected and actual', async () => {
      const s = stream();
      await getStore().append(s, [event(), event()], 'no_stream');
      const error = await getStore()
        .append(s, [event()], 0)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      expect(error).toMatchObject({ streamName: s, expected: 0, actual: 1 });
      expect(await getStore().readStream(s)).toHaveLength(2);
    });

    it('refuses no_stream on an existing stream', async () => {
      const s = stream();
      await getStore().append(s, [event()], 'no_stream');
      await expect(getStore().append(s, [event()], 'no_stream')).rejects.toMatchObject({
        name: 'WrongExpectedRevisionError',
        actual: 0,
      });
    });

    it('refuses an exact revision on a stream that does not exist', async () => {
      const s = stream();
      await expect(getStore().append(s, [event()], 0)).rejects.toMatchObject({ expected: 0, actual: 'no_stream' });
    });

    it('accepts any on new and existing streams', async () => {
      const s = stream();
      expect((await getStore().append(s, [event()], 'any')).nextRevision).toBe(0);
      expect((await getStore().append(s, [event(), event()], 'any')).nextRevision).toBe(2);
    });
  });

  describe('idempotency', () => {
    it('re-appending the same event ids is a no-op that returns the original result', async () => {
      const s = stream();
      const batch = [event(), event()];
      const original = await getStore().append(s, batch, 'no_stream');
      await getStore().append(s, [event()], 1);
      const retry = await getStore().append(s, batch, 'no_stream');
      expect(retry).toEqual(original);
      const again = await getStore().append(s, batch, 'any');
      expect(again).toEqual(original);
      const read = await getStore().readStream(s);
      expect(read).toHaveLength(3);
      expect(new Set(read.map((e) => e.id)).size).toBe(3);
    });

    it('finds a retried batch however many events followed it, with its expected revision or with any', async () => {
      const s = stream();
      const batch = [event(), event()];
      const original = await getStore().append(s, batch, 'no_stream');
      await getStore().append(
        s,
        Array.from({ length: 250 }, () => event()),
        1,
      );
      for (let i = 0; i < 5; i += 1) await getStore().append(s, [event()], 'any');
      expect(await getStore().append(s, batch, 'no_stream')).toEqual(original);
      expect(await getStore().append(s, batch, 'any')).toEqual(original);
      expect(await getStore().readStream(s)).toHaveLength(257);
    });

    it('refuses a batch that repeats only some of an earlier batch', async () => {
      const s = stream();
      const first = event();
      await getStore().append(s, [first], 'no_stream');
      await expect(getStore().append(s, [first, event()], 'any')).rejects.toBeInstanceOf(InvalidEventError);
      expect(await getStore().readStream(s)).toHaveLength(1);
    });
  });

  describe('atomicity', () => {
    it('stores a batch whole or not at all: a refused batch leaves nothing behind', async () => {
      const s = stream();
      const bad = [event(), event(), { ...event(), data: { f: () => 1 } } as unknown as NewEvent];
      await expect(getStore().append(s, bad, 'any')).rejects.toBeInstanceOf(InvalidEventError);
      expect(await getStore().readStream(s)).toEqual([]);
    });

    it('keeps the events of each concurrent batch contiguous', async () => {
      const s = stream();
      const batches = Array.from({ length: 8 }, (_, writer) => Array.from({ length: 5 }, (_, i) => event('test.Batched', { writer, i })));
      await Promise.all(batches.map((b) => getStore().append(s, b, 'any')));
      const read = await getStore().readStream(s);
      expect(read).toHaveLength(40);
      for (let start = 0; start < 40; start += 5) {
        const writers = new Set(read.slice(start, start + 5).map((e) => (e.data as { writer: number }).writer));
        expect(writers.size).toBe(1);
        expect(read.slice(start, start + 5).map((e) => (e.data as { i: number }).i)).toEqual([0, 1, 2, 3, 4]);
      }
    });
  });

  describe('recordedUpTo', () => {
    it('returns only what was recorded by then', async () => {
      const s = stream();
      await getStore().append(s, [event('test.First')], 'no_stream');
      const [first] = await getStore().readStream(s);
      // The store's clock has millisecond resolution: make sure the next write is recorded strictly later.
      await untilClockPasses(first.recordedAt);
      await getStore().append(s, [event('test.Second')], 0);
      const all = await getStore().readStream(s);
      expect(all.map((e) => e.type)).toEqual(['test.First', 'test.Second']);
      expect(Date.parse(all[1].recordedAt)).toBeGreaterThan(Date.parse(first.recordedAt));
      const known = await getStore().readStream(s, { recordedUpTo: first.recordedAt });
      expect(known.map((e) => e.type)).toEqual(['test.First']);
      expect(await getStore().readStream(s, { recordedUpTo: new Date(Date.parse(first.recordedAt) - 1) })).toEqual([]);
    });
  });

  describe('size and content', () => {
    it('appends 10,000 events in one append', async () => {
      const s = stream();
      const events = Array.from({ length: 10_000 }, (_, i) => event('test.Many', { i }));
      const result = await getStore().append(s, events, 'no_stream');
      expect(result.nextRevision).toBe(9_999);
      const read = await getStore().readStream(s);
      expect(read).toHaveLength(10_000);
      expect(read.every((e, i) => e.revision === i && (e.data as { i: number }).i === i && e.id === events[i].id)).toBe(true);
    });

    it('keeps unicode exactly', async () => {
      const s = stream();
      const data = {
        commune: 'Liévin — Cité des Provinces',
        bailleur: 'Maisons & Cités',
        emoji: '🏠⛏️',
        arabic: 'مرحبا',
        cjk: '煤矿',
        control: 'a\u0000b\u001fc',
        quotes: `"'\\`,
        surrogate: '𝔈𝔕𝔅𝔐',
      };
      await getStore().append(s, [event('test.Unicode', data)], 'no_stream');
      const [stored] = await getStore().readStream(s);
      expect(stored.data).toEqual(data);
    });

    it('keeps a 1 MB payload exactly', async () => {
      const s = stream();
      const text = 'Réhabilitation thermique — ' + 'x'.repeat(1024 * 1024);
      const data = { text, rows: Array.from({ length: 1000 }, (_, i) => ({ i, amountCents: i * 12_345 })) };
      await getStore().append(s, [event('test.Big', data)], 'no_stream');
      const [stored] = await getStore().readStream(s);
      expect(stored.data).toEqual(data);
    });

    /** Three events, the last padded so that the append weighs exactly `bytes` as the port measures it. */
    function appendWeighing(bytes: number): NewEvent[] {
      const events = [event('test.Sized', { n: 1 }), event('test.Sized', { n: 2 }), event('test.Sized', { pad: '' })];
      events[2] = { ...events[2], data: { pad: 'x'.repeat(bytes - measureAppend(events).bytes) } };
      expect(measureAppend(events).bytes).toBe(bytes);
      return events;
    }

    it('stores whole an append that weighs exactly MAX_APPEND_BYTES', async () => {
      const s = stream();
      const events = appendWeighing(MAX_APPEND_BYTES);
      expect((await getStore().append(s, events, 'no_stream')).nextRevision).toBe(2);
      const read = await getStore().readStream(s);
      expect(read.map((e) => e.id)).toEqual(events.map((e) => e.id));
      expect(read.map((e) => e.data)).toEqual(events.map((e) => e.data));
    });

    it('refuses an append one byte over MAX_APPEND_BYTES, naming its size and the limit, and stores none of it', async () => {
      const s = stream();
      await getStore().append(s, [event()], 'no_stream');
      const error = await getStore()
        .append(s, appendWeighing(MAX_APPEND_BYTES + 1), 0)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppendTooLargeError);
      expect(error).toMatchObject({ streamName: s, bytes: MAX_APPEND_BYTES + 1, limit: MAX_APPEND_BYTES });
      expect(await getStore().readStream(s)).toHaveLength(1);
      expect((await getStore().append(s, [event()], 0)).nextRevision).toBe(1);
    });
  });

  describe('invalid input is refused with the field at fault, and nothing is stored', () => {
    const cases: [string, () => Parameters<EventStore['append']>, string][] = [
      ['an empty stream name', () => ['', [event()], 'any'], 'streamName'],
      ['a blank stream name', () => ['   ', [event()], 'any'], 'streamName'],
      ['no events', () => [stream(), [], 'any'], 'events'],
      ['a missing type', () => [stream(), [{ ...event(), type: undefined as unknown as string }], 'any'], 'events[0].type'],
      ['an empty type', () => [stream(), [event(), { ...event(), type: '' }], 'any'], 'events[1].type'],
      ['an id that is not a UUID', () => [stream(), [{ ...event(), id: 'not-a-uuid' }], 'any'], 'events[0].id'],
      ['a function in data', () => [stream(), [event('t', { f: () => 1 })], 'any'], 'events[0].data.f'],
      ['undefined data', () => [stream(), [{ ...event(), data: undefined }], 'any'], 'events[0].data'],
      ['a bigint in data', () => [stream(), [event('t', { n: BigInt(1) })], 'any'], 'events[0].data.n'],
      ['NaN in data', () => [stream(), [event('t', { n: Number.NaN })], 'any'], 'events[0].data.n'],
      ['a Date object in data', () => [stream(), [event('t', { d: new Date() })], 'any'], 'events[0].data.d'],
      [
        'a circular structure',
        () => {
          const data: Record<string, unknown> = {};
          data.self = data;
          return [stream(), [event('t', data)], 'any'];
        },
        'events[0].data.self',
      ],
      ['no actor', () => [stream(), [{ ...event(), envelope: { occurredAt: '2020-01-01T00:00:00Z' } as never }], 'any'], 'events[0].envelope.actor'],
      [
        'a bad occurredAt',
        () => [stream(), [{ ...event(), envelope: { ...event().envelope, occurredAt: '31/12/2020' } }], 'any'],
        'events[0].envelope.occurredAt',
      ],
      [
        'the same id twice in one append',
        () => {
          const e = event();
          return [stream(), [e, { ...e }], 'any'];
        },
        'events[1].id',
      ],
      ['a negative expected revision', () => [stream(), [event()], -1], 'expected'],
    ];
    it.each(cases)('%s', async (_label, args, field) => {
      const [s] = args();
      const error = await getStore()
        .append(...args())
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidEventError);
      expect((error as InvalidEventError).field).toBe(field);
      if (s.trim()) expect(await getStore().readStream(s)).toEqual([]);
    });
  });

  describe('concurrent writers', () => {
    it('8 writers on one stream: exactly one winner per revision, nothing lost or duplicated', async () => {
      const s = stream();
      const perWriter = 10;
      const wins = new Map<number, string[]>();
      const conflicts = { count: 0 };
      await Promise.all(
        Array.from({ length: 8 }, async (_, writer) => {
          for (let done = 0; done < perWriter;) {
            const current = await getStore().readStream(s);
            const expected = current.length === 0 ? 'no_stream' : current[current.length - 1].revision;
            const e = event('test.Contended', { writer, done });
            try {
              const result = await getStore().append(s, [e], expected);
              wins.set(result.nextRevision, [...(wins.get(result.nextRevision) ?? []), e.id]);
              done += 1;
            } catch (error) {
              if (!(error instanceof WrongExpectedRevisionError)) throw error;
              conflicts.count += 1;
            }
          }
        }),
      );
      const read = await getStore().readStream(s);
      expect(read).toHaveLength(8 * perWriter);
      expect(read.map((e) => e.revision)).toEqual(Array.from({ length: 80 }, (_, i) => i));
      expect([...wins.values()].every((ids) => ids.length === 1)).toBe(true);
      expect(read.map((e) => e.id)).toEqual(read.map((e) => wins.get(e.revision)?.[0]));
      for (let writer = 0; writer < 8; writer += 1) {
        const mine = read.filter((e) => (e.data as { writer: number }).writer === writer);
        expect(mine.map((e) => (e.data as { done: number }).done)).toEqual(Array.from({ length: perWriter }, (_, i) => i));
      }
    });

    it('8 writers on different streams: the global log holds every event once, in one order every reader agrees on', async () => {
      const prefix = `contract-${randomUUID()}`;
      const perWriter = 25;
      const written = new Set<string>();
      await Promise.all(
        Array.from({ length: 8 }, async (_, writer) => {
          for (let i = 0; i < perWriter; i += 1) {
            const e = event('test.Parallel', { writer, i });
            written.add(e.id);
            await getStore().append(`${prefix}-w${writer}`, [e], i === 0 ? 'no_stream' : i - 1);
          }
        }),
      );
      await settled();
      const first = await readAllOf(getStore(), prefix);
      const second = await readAllOf(getStore(), prefix);
      expect(first).toHaveLength(8 * perWriter);
      expect(new Set(first.map((e) => e.id))).toEqual(written);
      expect(second.map((e) => e.id)).toEqual(first.map((e) => e.id));
      for (let writer = 0; writer < 8; writer += 1) {
        const revisions = first.filter((e) => e.streamName === `${prefix}-w${writer}`).map((e) => e.revision);
        expect(revisions).toEqual(Array.from({ length: perWriter }, (_, i) => i));
      }
    });
  });

  describe('global log', () => {
    it('pages with checkpoints: pages join up to the whole log with nothing skipped or repeated', async () => {
      const prefix = `contract-${randomUUID()}`;
      for (let i = 0; i < 7; i += 1) await getStore().append(`${prefix}-${i % 3}`, [event('test.Paged', { i })], 'any');
      await settled();
      const whole = await readAllOf(getStore(), prefix);
      const paged: StoredEvent[] = [];
      let checkpoint: string | null = null;
      for (;;) {
        const page = await getStore().readAll(checkpoint, 2);
        paged.push(...page.events.filter((e) => e.streamName.startsWith(prefix)));
        if (page.events.length) expect(page.checkpoint).toBe(page.events[page.events.length - 1].position);
        checkpoint = page.checkpoint;
        if (page.isEnd) break;
      }
      expect(paged.map((e) => e.id)).toEqual(whole.map((e) => e.id));
      expect(whole.map((e) => (e.data as { i: number }).i)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    });

    it('gives the events written together one appendId, the same whichever way they are read, and others another', async () => {
      const prefix = `contract-${randomUUID()}`;
      await getStore().append(
        `${prefix}-a`,
        [event('test.Together', { n: 1 }), event('test.Together', { n: 2 }), event('test.Together', { n: 3 })],
        'no_stream',
      );
      await getStore().append(`${prefix}-b`, [event('test.Alone', { n: 4 })], 'no_stream');
      await getStore().append(`${prefix}-b`, [event('test.Together', { n: 5 }), event('test.Together', { n: 6 })], 0);
      await getStore().append(`${prefix}-a`, [event('test.Alone', { n: 7 })], 2);
      await settled();
      const logged = await readAllOf(getStore(), prefix);
      expect(logged.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      const [a1, a2, a3, b1, b2, b3, a4] = logged.map((e) => e.appendId);
      expect(typeof a1).toBe('string');
      expect([a2, a3]).toEqual([a1, a1]);
      expect(b3).toBe(b2);
      expect(new Set([a1, b1, b2, a4]).size).toBe(4);
      const streamed = [...(await getStore().readStream(`${prefix}-a`)), ...(await getStore().readStream(`${prefix}-b`))];
      expect(streamed.map((e) => e.appendId)).toEqual([a1, a1, a1, a4, b1, b2, b2]);
    });

    it('counts the events a reader standing at a checkpoint has still to read', async () => {
      const prefix = `contract-${randomUUID()}`;
      await settled();
      const before = await getStore().head();
      expect(await getStore().countAfter(before)).toBe(0);
      await getStore().append(`${prefix}-a`, [event(), event()], 'no_stream');
      const { position } = await getStore().append(`${prefix}-b`, [event()], 'no_stream');
      await settled();
      expect(await getStore().countAfter(before)).toBe(3);
      expect(await getStore().countAfter(position)).toBe(0);
      const [first] = await readAllOf(getStore(), prefix);
      expect(await getStore().countAfter(first.position)).toBe(2);
      let fromStart = 0;
      for (let checkpoint: string | null = null; ;) {
        const page = await getStore().readAll(checkpoint, 5_000);
        fromStart += page.events.length;
        checkpoint = page.checkpoint;
        if (page.isEnd) break;
      }
      expect(await getStore().countAfter(null)).toBe(fromStart);
    });

    it('tells a position it issues from a text that is none, and refuses the latter as a checkpoint', async () => {
      const { position } = await getStore().append(stream(), [event()], 'no_stream');
      await settled();
      const page = await getStore().readAll(null, 1);
      const issued = [position, await getStore().head(), page.checkpoint, page.events[0].position];
      for (const text of issued) expect(getStore().isPosition(text as string)).toBe(true);
      for (const text of ['', 'garbage', ` ${position}`, `${position} `, `${position}/0`, `x${position}`, `-${position}`]) {
        expect(getStore().isPosition(text)).toBe(false);
        await expect(getStore().readAll(text, 1)).rejects.toMatchObject({ field: 'checkpoint' });
        await expect(getStore().countAfter(text)).rejects.toMatchObject({ field: 'checkpoint' });
      }
    });

    it('names itself `<kind>:<identity>`, the same name at every call: what checkpoints are tagged with', async () => {
      const store = getStore();
      expect(typeof store.logId).toBe('function');
      const name = await store.logId?.();
      expect(name).toMatch(/^(postgresql|eventstoredb):\S+$/);
      await store.append(stream(), [event()], 'no_stream');
      expect(await store.logId?.()).toBe(name);
    });

    it('a subscription delivers what follows its checkpoint, then live events, in log order', async () => {
      const prefix = `contract-${randomUUID()}`;
      await getStore().append(`${prefix}-a`, [event('test.Before')], 'no_stream');
      await settled();
      const before = await readAllOf(getStore(), prefix);
      const subscription = getStore().subscribe(before[0].position);
      const received: StoredEvent[] = [];
      const consuming = (async () => {
        for await (const e of subscription) {
          if (e.streamName.startsWith(prefix)) received.push(e);
          if (received.length === 3) break;
        }
      })();
      await getStore().append(`${prefix}-a`, [event('test.After', { n: 1 })], 0);
      await getStore().append(`${prefix}-b`, [event('test.After', { n: 2 }), event('test.After', { n: 3 })], 'no_stream');
      await consuming;
      await subscription.close();
      expect(received.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3]);
      expect(received.some((e) => e.type === 'test.Before')).toBe(false);
    });
  });
}

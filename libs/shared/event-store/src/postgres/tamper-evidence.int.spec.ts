import { randomUUID } from 'node:crypto';
import { logSettled, openTestDatabase, testEvent, type TestDatabase } from '../testing';
import { chainHash, contentDigest } from '../hash-chain';
import { migrateEventStore } from './migrations';
import { PostgresEventStore } from './postgres-event-store';
import { createSeal, verifyEventLog } from './tamper-evidence';

describe(`tamper evidence (${process.env.DATABASE_URL ? 'PostgreSQL server' : 'embedded PGlite'})`, () => {
  let database: TestDatabase;
  let store: PostgresEventStore;
  const streams = ['commitment-a', 'commitment-b', 'meeting-c'].map((s) => `${s}-${randomUUID()}`);

  beforeEach(async () => {
    database = await openTestDatabase('erbm_tamper');
    await migrateEventStore(database.db);
    store = new PostgresEventStore(database.db);
    for (let round = 0; round < 3; round++)
      for (const [i, s] of streams.entries())
        await store.append(s, [testEvent('test.Paid', { amountCents: 100 * round + i, note: 'é😀' }), testEvent('test.Noted', { round })], 'any');
  });
  afterEach(() => database.drop());

  /** A seal covers the log as its readers see it: once settled (see logSettled), every event appended so far. */
  const sealNow = async () => {
    await logSettled(database.db);
    return createSeal(database.db, 'auditor-test');
  };

  const eventAt = async (stream: string, revision: number) => (await store.readStream(stream, { from: revision, to: revision }))[0];

  it('chains each event to the previous one of its stream, as the documented formula says', async () => {
    const events = await store.readStream(streams[1]);
    let previous: Buffer | null = null;
    for (const e of events) {
      const expected = chainHash(
        previous,
        e.revision,
        contentDigest({
          id: e.id,
          streamName: e.streamName,
          type: e.type,
          schemaVersion: e.schemaVersion,
          dataText: JSON.stringify(e.data),
          envelopeText: JSON.stringify(e.envelope),
        }),
      );
      expect(e.hash).toBe(expected.toString('hex'));
      previous = expected;
    }
    expect(events).toHaveLength(6);
  });

  it('verifies an untouched log and its seals, and knows the digest an auditor kept', async () => {
    const first = await sealNow();
    await store.append(streams[0], [testEvent('test.Late', {})], 'any');
    const second = await sealNow();
    expect(second).toMatchObject({ sealNumber: 2, events: 1, previousDigest: first?.digest });
    expect(await sealNow()).toBeNull();
    // Seals are ordered by number, not as text: seal 10 follows seal 9, not seal 1.
    for (let i = 0; i < 9; i++) {
      await store.append(streams[2], [testEvent('test.Late', { i })], 'any');
      await sealNow();
    }
    const report = await verifyEventLog(database.db, { digest: first?.digest });
    expect(report).toMatchObject({ ok: true, eventsChecked: 28, streamsChecked: 3, sealsChecked: 11, firstBreak: null, digestFound: true });
    expect((await verifyEventLog(database.db, { digest: 'ab'.repeat(32) })).ok).toBe(false);
  });

  it('names exactly the event altered directly in SQL, and the seal it breaks', async () => {
    const seal = await sealNow();
    const victim = await eventAt(streams[1], 2);
    await database.db.query(`UPDATE event_store.events SET data = '{"amountCents":999999,"note":"é😀"}' WHERE event_id = $1`, [victim.id]);
    const report = await verifyEventLog(database.db, { digest: seal?.digest });
    expect(report.ok).toBe(false);
    expect(report.firstBreak).toEqual({
      streamName: streams[1],
      revision: 2,
      eventId: victim.id,
      position: victim.position,
      reason: expect.stringContaining('altered'),
    });
    expect(report.breaks).toHaveLength(1);
  });

  it('lists alterations in several streams in log order, the first one first (streams are checked in parts at once)', async () => {
    const victims = [await eventAt(streams[2], 4), await eventAt(streams[0], 1), await eventAt(streams[1], 3)];
    for (const v of victims) await database.db.query(`UPDATE event_store.events SET data = '{"amountCents":1,"note":"retouché"}' WHERE event_id = $1`, [v.id]);
    const report = await verifyEventLog(database.db);
    const inLogOrder = [...victims].sort((a, b) =>
      BigInt(a.position.split('/')[0]) === BigInt(b.position.split('/')[0]) ? 0 : BigInt(a.position.split('/')[0]) < BigInt(b.position.split('/')[0]) ? -1 : 1,
    );
    expect(report.breaks.map((b) => b.eventId)).toEqual(inLogOrder.map((v) => v.id));
    expect(report.firstBreak?.eventId).toBe(victims[1].id);
    expect(report.eventsChecked).toBe(18);
  });

  it('catches, by its seal, a rewrite that recomputes the whole chain after the altered event', async () => {
    const seal = await sealNow();
    const victim = await eventAt(streams[1], 2);
    await database.db.query(`UPDATE event_store.events SET data = '{"amountCents":1}' WHERE event_id = $1`, [victim.id]);
    // A forger who knows the formula rewrites every hash from the altered event to the end of the stream.
    const events = await store.readStream(streams[1]);
    let previous: Buffer | null = null;
    for (const e of events) {
      const dataText = e.revision === 2 ? '{"amountCents":1}' : JSON.stringify(e.data);
      previous = chainHash(
        previous,
        e.revision,
        contentDigest({ id: e.id, streamName: e.streamName, type: e.type, schemaVersion: e.schemaVersion, dataText, envelopeText: JSON.stringify(e.envelope) }),
      );
      await database.db.query(`UPDATE event_store.events SET hash = decode($2, 'hex') WHERE event_id = $1`, [e.id, previous.toString('hex')]);
    }
    const report = await verifyEventLog(database.db, { digest: seal?.digest });
    expect(report.breaks).toEqual([]);
    expect(report.ok).toBe(false);
    expect(report.sealBreaks).toEqual([expect.objectContaining({ sealNumber: 1, digest: seal?.digest, reason: expect.stringContaining('altered') })]);
  });

  it('catches an alteration that also recomputes the altered hash: the next event no longer chains', async () => {
    const victim = await eventAt(streams[0], 1);
    await database.db.query(
      `UPDATE event_store.events SET envelope = '{"actor":{"userId":"someone-else","role":"admin","organisation":"x"},"occurredAt":"2024-01-01"}', hash = sha256('forged'::bytea) WHERE event_id = $1`,
      [victim.id],
    );
    const report = await verifyEventLog(database.db);
    expect(report.breaks.map((b) => [b.streamName, b.revision])).toEqual([
      [streams[0], 1],
      [streams[0], 2],
    ]);
  });

  it('names the hole an event deleted from the middle of a stream leaves, and the seal that counted it', async () => {
    await sealNow();
    const victim = await eventAt(streams[2], 3);
    await database.db.query(`DELETE FROM event_store.events WHERE event_id = $1`, [victim.id]);
    const report = await verifyEventLog(database.db);
    expect(report.firstBreak).toMatchObject({ streamName: streams[2], revision: 4, reason: 'revision 3 missing before this event' });
    expect(report.sealBreaks[0].reason).toContain('18 events were sealed');
  });

  it('names events deleted from the end of a stream', async () => {
    const last = await eventAt(streams[0], 5);
    await database.db.query(`DELETE FROM event_store.events WHERE event_id = $1`, [last.id]);
    const report = await verifyEventLog(database.db);
    expect(report.firstBreak).toMatchObject({ streamName: streams[0], revision: 5, eventId: null, reason: expect.stringContaining('missing at the end') });
  });
});

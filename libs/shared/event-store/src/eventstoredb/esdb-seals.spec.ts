import { createHash } from 'node:crypto';
import type { AllStreamResolvedEvent } from '@eventstore/db-client';
import { testEvent } from '../testing/events';
import { EsdbStandIn, asClient } from '../testing/esdb-stand-in';
import { CHAIN_KEY, esdbEventHash, splitChainedMetadata } from './esdb-chain';
import { SEALS_STREAM, SEAL_TYPE } from './esdb-seals';
import { EventStoreDbEventStore } from './eventstoredb-event-store';

/**
 * Seals on EventStoreDB, on a stand-in for its client (`testing/esdb-stand-in.ts`): it refuses an append at a stale
 * expected revision with the client's own WrongExpectedVersionError, and `beforeAppend` puts another writer between a
 * sealer's read and its append. Not a server run: the gated contract suite is.
 */
describe('seals on EventStoreDB, on the stand-in for its client (not a server run)', () => {
  async function sealedStore() {
    const client = new EsdbStandIn();
    const store = new EventStoreDbEventStore('esdb://stand-in?tls=false', { client: asClient(client) });
    await store.append('commitment-a', [testEvent('t', { n: 1 }), testEvent('t', { n: 2 })], 'no_stream');
    client.record('$stats-127.0.0.1:2113', '$statsCollected', {}, {}, '00000000-0000-4000-8000-000000000001');
    await store.append('meeting-b', [testEvent('t', { n: 3 })], 'no_stream');
    await store.append('commitment-a', [testEvent('t', { n: 4 })], 1);
    return { store, client };
  }

  const sealEvents = (client: EsdbStandIn) => client.log.filter((r) => r.event?.streamId === SEALS_STREAM);
  const indexOf = (client: EsdbStandIn, stream: string, revision: number) =>
    client.log.findIndex((r) => r.event?.streamId === stream && r.event.revision === BigInt(revision));

  /** An attacker's rewrite of the last event of a stream: new data and the chain hash recomputed, so every chain still holds. */
  function rewrite(client: EsdbStandIn, stream: string, revision: number, data: unknown) {
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

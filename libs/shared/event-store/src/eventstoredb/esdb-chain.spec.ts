import { randomUUID } from 'node:crypto';
import { chainHash, contentDigest } from '../hash-chain';
import { CHAIN_KEY, type ChainedContent, EsdbChainVerifier, chainNewEvents, esdbEventHash, splitChainedMetadata } from './esdb-chain';

/** An event as the adapter hands it to EventStoreDB: data and metadata, the metadata in the adapter's key order. */
const content = (streamName: string, amount: number): ChainedContent => ({
  id: randomUUID(),
  streamName,
  type: 'ledger.PaymentMade',
  schemaVersion: 1,
  data: { amount, label: 'Acompte à 30 % — « Cité des Provinces »' },
  metadata: {
    actor: { userId: 'u1', role: 'editor:exemple', organisation: 'DREAL' },
    onBehalfOf: 'etat',
    occurredAt: '2024-03-01T00:00:00.000Z',
    schemaVersion: 1,
    $correlationId: randomUUID(),
  },
});

/** What reading the event back from EventStoreDB gives: the JSON bytes it kept, parsed again. */
function stored(e: ChainedContent, metadata: Record<string, unknown>, revision: number) {
  const read = splitChainedMetadata(JSON.parse(JSON.stringify(metadata)) as Record<string, unknown>);
  return { ...e, data: JSON.parse(JSON.stringify(e.data)) as unknown, metadata: read.metadata, hash: read.hash, revision, position: `${revision}/${revision}` };
}

function appendAll(streamName: string, count: number) {
  const events = Array.from({ length: count }, (_, i) => content(streamName, 1000 + i));
  // Two appends: the second is chained from the tip the first left.
  const first = chainNewEvents({ revision: -1, hash: null }, events.slice(0, 2));
  const tipHash = first[1][CHAIN_KEY] as string;
  const second = chainNewEvents({ revision: 1, hash: tipHash }, events.slice(2));
  return [...first, ...second].map((m, i) => stored(events[i], m, i));
}

describe('hash chain on EventStoreDB (metadata)', () => {
  it('is the shared formula over the JSON texts EventStoreDB keeps, chained from the previous hash', () => {
    const e = content('commitment-1', 5);
    const [metadata] = chainNewEvents({ revision: -1, hash: null }, [e]);
    const expected = chainHash(
      null,
      0,
      contentDigest({
        id: e.id,
        streamName: e.streamName,
        type: e.type,
        schemaVersion: 1,
        dataText: JSON.stringify(e.data),
        envelopeText: JSON.stringify(e.metadata),
      }),
    );
    expect(metadata[CHAIN_KEY]).toBe(expected.toString('hex'));
    // The hash is the last key: the rest of the metadata is what was hashed, in its order.
    expect(Object.keys(metadata)).toEqual([...Object.keys(e.metadata), CHAIN_KEY]);
    const next = content('commitment-1', 6);
    const [second] = chainNewEvents({ revision: 0, hash: expected.toString('hex') }, [next]);
    expect(second[CHAIN_KEY]).toBe(esdbEventHash(expected.toString('hex'), 1, next));
    expect(second[CHAIN_KEY]).not.toBe(esdbEventHash(null, 1, next));
  });

  it('verifies a log read back from the store, appends of several batches and streams interleaved', () => {
    const a = appendAll('commitment-a', 5);
    const b = appendAll('commitment-b', 4);
    const verifier = new EsdbChainVerifier();
    for (let i = 0; i < 5; i += 1) {
      verifier.check(a[i]);
      if (b[i]) verifier.check(b[i]);
    }
    expect(verifier.breaks).toEqual([]);
    expect(verifier.eventsChecked).toBe(9);
    expect(verifier.streamsChecked).toBe(2);
  });

  it('names the altered event, and only it, when data or metadata changed', () => {
    const log = appendAll('commitment-a', 5);
    log[2] = { ...log[2], data: { ...(log[2].data as object), amount: 999_999 } };
    log[4] = { ...log[4], metadata: { ...log[4].metadata, onBehalfOf: 'region' } };
    const verifier = new EsdbChainVerifier();
    for (const e of log) verifier.check(e);
    expect(verifier.breaks.map((x) => [x.revision, x.eventId, x.reason])).toEqual([
      [2, log[2].id, 'content or hash altered: the stored hash does not match the event'],
      [4, log[4].id, 'content or hash altered: the stored hash does not match the event'],
    ]);
  });

  it('names the event after a missing one, an event without hash, and a stream whose beginning is gone', () => {
    const log = appendAll('commitment-a', 5);
    const verifier = new EsdbChainVerifier();
    for (const e of [log[0], log[1], log[3], { ...log[4], hash: undefined }]) verifier.check(e);
    const truncated = appendAll('commitment-b', 3);
    verifier.check(truncated[2]);
    expect(verifier.breaks.map((x) => [x.streamName, x.revision, x.reason])).toEqual([
      ['commitment-a', 3, 'revision 2 missing before this event'],
      ['commitment-a', 4, 'the event carries no hash'],
      ['commitment-b', 2, 'revision 0-1 missing before this event'],
    ]);
  });

  it('stops collecting breaks at its limit but still counts every event', () => {
    const verifier = new EsdbChainVerifier(1);
    for (const e of appendAll('commitment-a', 4).map((x) => ({ ...x, hash: '00' }))) verifier.check(e);
    expect(verifier.breaks).toHaveLength(1);
    expect(verifier.eventsChecked).toBe(4);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { testEnvelope, testEvent } from '../testing/events';
import { EsdbStandIn, asClient } from '../testing/esdb-stand-in';
import type { NewEvent } from '../event-store.port';
import { MAX_APPEND_BYTES, measureAppend } from '../validation';
import { EventStoreDbEventStore } from './eventstoredb-event-store';

/** EventStoreDB 24.10's largest MaxAppendSize: TFConsts.EffectiveMaxLogRecordSize (16 MiB less 10,000 bytes). */
const SERVER_MAX_APPEND_SIZE = 16 * 1024 * 1024 - 10_000;

interface SentEvent {
  type: string;
  data: unknown;
  metadata: unknown;
}

/**
 * What EventStoreDB 24.10 counts against MaxAppendSize for the events the client sends (Event.SizeOnDisk, summed by the
 * gRPC Append and BatchAppend calls): the UTF-8 bytes of the data and of the metadata, which the client sends as
 * JSON.stringify of each, plus twice the type's UTF-16 length.
 */
const serverSize = (sent: SentEvent[]) =>
  sent.reduce(
    (sum, e) => sum + Buffer.byteLength(JSON.stringify(e.data), 'utf8') + Buffer.byteLength(JSON.stringify(e.metadata), 'utf8') + 2 * e.type.length,
    0,
  );

/**
 * The adapter on a stand-in for EventStoreDB's client (`testing/esdb-stand-in.ts`), not a server: each append is also
 * kept as the client was handed it, to weigh what the adapter sends.
 */
function adapterOnStandIn(): { store: EventStoreDbEventStore; sent: SentEvent[][] } {
  const standIn = new EsdbStandIn();
  const sent: SentEvent[][] = [];
  const append = standIn.appendToStream.bind(standIn);
  standIn.appendToStream = async (streamId, events, options) => {
    sent.push([...events]);
    return append(streamId, events, options);
  };
  return { store: new EventStoreDbEventStore('esdb://stand-in?tls=false', { client: asClient(standIn) }), sent };
}

async function weigh(events: NewEvent[]): Promise<{ port: number; server: number }> {
  const { store, sent } = adapterOnStandIn();
  await store.append(`size-${randomUUID()}`, events, 'no_stream');
  return { port: measureAppend(events).bytes, server: serverSize(sent[0]) };
}

describe('the port weighs an append at least as EventStoreDB weighs what the adapter sends for it', () => {
  it("the contract's 10,000-event append: within the port's limit, and within it as the server counts", async () => {
    const { port, server } = await weigh(Array.from({ length: 10_000 }, (_, i) => testEvent('test.Many', { i })));
    expect(server).toBeLessThanOrEqual(port);
    expect(port).toBeLessThanOrEqual(MAX_APPEND_BYTES);
    // Above EventStoreDB's default MaxAppendSize (1 MiB): the server must be configured for it.
    expect(server).toBeGreaterThan(1024 * 1024);
  });

  it("the contract's 1 MB payload, alone in its append (no append id in its metadata)", async () => {
    const data = {
      text: 'Réhabilitation thermique — ' + 'x'.repeat(1024 * 1024),
      rows: Array.from({ length: 1000 }, (_, i) => ({ i, amountCents: i * 12_345 })),
    };
    const { port, server } = await weigh([testEvent('test.Big', data)]);
    expect(server).toBeLessThanOrEqual(port);
    expect(port).toBeLessThanOrEqual(MAX_APPEND_BYTES);
    expect(server).toBeGreaterThan(1024 * 1024);
  });

  it('the heaviest metadata the adapter writes, on the lightest events: still no heavier than the port counts them', async () => {
    // A small envelope makes the adapter's additions weigh most against it; all of them here: append id (several events),
    // hash, a schema version whose JSON is the longest a number has, correlation and causation under "$" keys, and a
    // type of 200 characters that are two UTF-8 bytes each (the server counts two bytes per UTF-16 unit).
    const envelope = { actor: { userId: 'u', role: 'r', organisation: 'o' }, occurredAt: '2024', correlationId: randomUUID(), causationId: randomUUID() };
    const events = Array.from({ length: 50 }, (): NewEvent => ({
      id: randomUUID(),
      type: 'é'.repeat(200),
      schemaVersion: Number.MAX_VALUE,
      data: null,
      envelope,
    }));
    const { port, server } = await weigh(events);
    expect(server).toBeLessThanOrEqual(port);
    // And with an ordinary envelope, as every test event has one.
    const ordinary = await weigh(
      Array.from({ length: 50 }, () => ({ ...testEvent('t', 0), schemaVersion: Number.MAX_VALUE, envelope: testEnvelope({ causationId: randomUUID() }) })),
    );
    expect(ordinary.server).toBeLessThanOrEqual(ordinary.port);
  });

  it("docker-compose.yml lets the server take every append the port takes, within the server's own maximum", () => {
    const compose = readFileSync(join(__dirname, '../../../../../docker-compose.yml'), 'utf8');
    const configured = /EVENTSTORE_MAX_APPEND_SIZE:\s*'?(\d+)'?/.exec(compose);
    expect(configured).not.toBeNull();
    const maxAppendSize = Number(configured?.[1]);
    expect(maxAppendSize).toBeGreaterThanOrEqual(MAX_APPEND_BYTES);
    expect(maxAppendSize).toBeLessThanOrEqual(SERVER_MAX_APPEND_SIZE);
  });
});

import { randomUUID } from 'node:crypto';
import { AppendTooLargeError } from './errors';
import type { NewEvent } from './event-store.port';
import { checkAppendSize, MAX_APPEND_BYTES, measureAppend } from './validation';

const envelope = { actor: { userId: 'u', role: 'r', organisation: 'o' }, occurredAt: '2024-01-01T00:00:00.000Z' };
const sized = (type: string, data: unknown): NewEvent => ({ id: randomUUID(), type, schemaVersion: 1, data, envelope });

describe('the size of an append, as the port measures it', () => {
  it('counts the UTF-8 bytes of the JSON of data and envelope, two bytes per UTF-16 unit of the type, and the overhead', () => {
    // {"t":"é\u0000\"🏠"}: 6 + é (2) + \u0000 (6, escaped) + \" (2) + 🏠 (4) + 2 = 22 bytes.
    // The envelope's JSON: 94 bytes. "ex.🏠": 5 UTF-16 units, 10 bytes (7 in UTF-8). null: 4 bytes.
    const measured = measureAppend([sized('ex.🏠', { t: 'é\u0000"🏠' }), sized('ex.🏠', null)]);
    expect(measured.bytes).toBe(22 + 94 + 10 + 256 + (4 + 94 + 10 + 256));
    expect(measured.data).toEqual(['{"t":"é\\u0000\\"🏠"}', 'null']);
    expect(measured.envelopes).toEqual([JSON.stringify(envelope), JSON.stringify(envelope)]);
  });

  it('takes an append of exactly MAX_APPEND_BYTES and refuses one byte more, with the stream, its size and the limit', () => {
    const base = measureAppend([sized('t', { pad: '' })]).bytes;
    const weighing = (bytes: number) => [sized('t', { pad: 'x'.repeat(bytes - base) })];
    expect(checkAppendSize('s', weighing(MAX_APPEND_BYTES)).bytes).toBe(MAX_APPEND_BYTES);
    const error = (() => {
      try {
        checkAppendSize('s', weighing(MAX_APPEND_BYTES + 1));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AppendTooLargeError);
    expect(error).toMatchObject({ streamName: 's', bytes: MAX_APPEND_BYTES + 1, limit: MAX_APPEND_BYTES });
  });
});

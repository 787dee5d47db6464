import { randomUUID } from 'node:crypto';
import type { EventEnvelope, NewEvent } from '../index';

export function testEnvelope(overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  return {
    actor: { userId: 'test-user', role: 'editor:exemple', organisation: 'DREAL Hauts-de-France' },
    onBehalfOf: 'etat',
    occurredAt: '2023-01-16T10:00:00.000Z',
    reason: 'test',
    correlationId: randomUUID(),
    ...overrides,
  };
}

export function testEvent<D>(type: string, data: D, overrides: Partial<NewEvent<string, D>> = {}): NewEvent<string, D> {
  return { id: randomUUID(), type, schemaVersion: 1, data, envelope: testEnvelope(), ...overrides };
}

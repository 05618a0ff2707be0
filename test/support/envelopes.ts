import { randomUUID } from 'node:crypto';
import { SCHEMA_VERSION, type EventEnvelope, type EventType } from '../../lib/model/events.js';

/** A valid queue envelope; every field can be overridden. */
export function envelope(type: EventType, service: string, overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  const id = overrides.id ?? `op-${randomUUID()}`;
  return {
    id,
    type,
    service,
    occurredAt: '2030-01-01T00:00:00.000Z',
    correlationId: id,
    schemaVersion: SCHEMA_VERSION,
    payload: {},
    ...overrides,
  };
}

import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, EventEnvelope, SCHEMA_VERSION } from '../../../lib/model/events.js';
import { QUEUES, queueForEvent } from '../../../lib/platform/resources.js';
import { envelope } from '../../support/envelopes.js';

function problemPaths(input: unknown): string[] {
  const result = EventEnvelope.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => i.path.join('.'));
}

describe('EventEnvelope', () => {
  it('accepts a complete envelope and defaults the payload to {}', () => {
    const { payload: _omit, ...withoutPayload } = envelope('service.registered', 'user-service');
    const parsed = EventEnvelope.parse(withoutPayload);
    expect(parsed.payload).toEqual({});
    expect(parsed.schemaVersion).toBe(SCHEMA_VERSION);
  });

  it('round-trips through JSON unchanged (what the queue carries)', () => {
    const original = envelope('service.updated', 'orders', { payload: { spec: { name: 'orders', replicas: 3 } } });
    expect(EventEnvelope.parse(JSON.parse(JSON.stringify(original)))).toEqual(original);
  });

  it.each([
    { what: 'an unknown type', change: { type: 'service.exploded' }, path: 'type' },
    { what: 'a service that is not a DNS label', change: { service: 'User_Service' }, path: 'service' },
    { what: 'a time that is not ISO 8601', change: { occurredAt: 'yesterday' }, path: 'occurredAt' },
    { what: 'another schema version', change: { schemaVersion: SCHEMA_VERSION + 1 }, path: 'schemaVersion' },
    { what: 'an empty id', change: { id: '' }, path: 'id' },
    { what: 'an empty correlation id', change: { correlationId: '' }, path: 'correlationId' },
    { what: 'a payload that is an array', change: { payload: [] }, path: 'payload' },
  ])('rejects $what', ({ change, path }) => {
    expect(problemPaths({ ...envelope('service.registered', 'svc'), ...change })).toEqual([path]);
  });

  it('reports every missing field at once', () => {
    expect(problemPaths({}).sort()).toEqual(['correlationId', 'id', 'occurredAt', 'schemaVersion', 'service', 'type']);
  });
});

describe('event routing', () => {
  it('every event type travels on exactly one queue', () => {
    for (const type of EVENT_TYPES) {
      const carriers = QUEUES.filter((q) => q.eventTypes.includes(type));
      expect(carriers, type).toHaveLength(1);
      expect(queueForEvent(type)).toBe(carriers[0]);
    }
  });

  it('a service lifecycle shares one FIFO queue, so its events stay in order', () => {
    const queues = new Set(['service.registered', 'service.updated', 'service.deregistered'].map((t) => queueForEvent(t as (typeof EVENT_TYPES)[number]).name));
    expect(queues.size).toBe(1);
    expect([...queues][0]).toMatch(/\.fifo$/);
  });
});

import { describe, expect, it } from 'vitest';
import type { EventType } from '../../../../lib/model/events.js';
import type { ServiceRecord } from '../../../../lib/model/records.js';
import { ServiceSpec } from '../../../../lib/model/service-spec.js';
import { changedFields, decideServiceTransition } from '../../../../lib/usecases/shared/service-transition.js';
import { minimalInput } from '../../../support/service-specs.js';

const NOW = new Date('2030-02-03T04:05:06.000Z');
const EARLIER = '2030-01-01T00:00:00.000Z';
const OP = 'op-new';
const EVT = 'evt-fixed';

const v1 = ServiceSpec.parse(minimalInput('orders', { replicas: 2 }));
const v2 = ServiceSpec.parse(minimalInput('orders', { replicas: 5 }));

function stored(phase: ServiceRecord['phase'], overrides: Partial<ServiceRecord> = {}): ServiceRecord {
  return { name: 'orders', spec: v1, version: 4, revision: 3, phase, createdAt: EARLIER, updatedAt: EARLIER, lastOperationId: 'op-old', ...overrides };
}

interface Case {
  name: string;
  type: EventType;
  current?: ServiceRecord;
  spec?: ServiceSpec;
  expect:
    | { kind: 'reject'; reason: RegExp }
    | {
        kind: 'commit';
        version: number;
        expectedVersion: number | null;
        revision: number;
        newRevision: boolean;
        phase: ServiceRecord['phase'];
        audit: string;
        message: string;
      };
}

const cases: Case[] = [
  {
    name: 'register a free name: version 1, revision 1, create-only write',
    type: 'service.registered',
    spec: v1,
    expect: {
      kind: 'commit',
      version: 1,
      expectedVersion: null,
      revision: 1,
      newRevision: true,
      phase: 'active',
      audit: 'ServiceRegistered',
      message: 'registered',
    },
  },
  { name: 'register a taken name', type: 'service.registered', current: stored('active'), spec: v1, expect: { kind: 'reject', reason: /already registered/ } },
  {
    name: 'register over a failed service (still taken)',
    type: 'service.registered',
    current: stored('failed'),
    spec: v1,
    expect: { kind: 'reject', reason: /already registered/ },
  },
  {
    name: 'register after deregistration: revisions keep counting, write conditional on the tombstone',
    type: 'service.registered',
    current: stored('deleted'),
    spec: v2,
    expect: {
      kind: 'commit',
      version: 5,
      expectedVersion: 4,
      revision: 4,
      newRevision: true,
      phase: 'active',
      audit: 'ServiceRegistered',
      message: 'registered',
    },
  },
  {
    name: 'update with a changed spec: a new revision',
    type: 'service.updated',
    current: stored('active'),
    spec: v2,
    expect: { kind: 'commit', version: 5, expectedVersion: 4, revision: 4, newRevision: true, phase: 'active', audit: 'ServiceUpdated', message: 'updated' },
  },
  {
    name: 'update with an unchanged spec: same revision, no revision record',
    type: 'service.updated',
    current: stored('active'),
    spec: v1,
    expect: {
      kind: 'commit',
      version: 5,
      expectedVersion: 4,
      revision: 3,
      newRevision: false,
      phase: 'active',
      audit: 'ServiceUnchanged',
      message: 'unchanged',
    },
  },
  {
    name: 'update a failed service: back to active, reason cleared',
    type: 'service.updated',
    current: stored('failed', { reason: 'the cluster refused it' }),
    spec: v2,
    expect: { kind: 'commit', version: 5, expectedVersion: 4, revision: 4, newRevision: true, phase: 'active', audit: 'ServiceUpdated', message: 'updated' },
  },
  { name: 'update a missing service', type: 'service.updated', spec: v2, expect: { kind: 'reject', reason: /not registered/ } },
  {
    name: 'update a deregistered service',
    type: 'service.updated',
    current: stored('deleted'),
    spec: v2,
    expect: { kind: 'reject', reason: /not registered/ },
  },
  {
    name: 'deregister a live service: a tombstone keeping revision and spec',
    type: 'service.deregistered',
    current: stored('active'),
    expect: {
      kind: 'commit',
      version: 5,
      expectedVersion: 4,
      revision: 3,
      newRevision: false,
      phase: 'deleted',
      audit: 'ServiceDeregistered',
      message: 'deregistered',
    },
  },
  { name: 'deregister a missing service', type: 'service.deregistered', expect: { kind: 'reject', reason: /not registered/ } },
  { name: 'deregister twice', type: 'service.deregistered', current: stored('deleted'), expect: { kind: 'reject', reason: /not registered/ } },
  { name: 'register without a spec', type: 'service.registered', expect: { kind: 'reject', reason: /no spec/ } },
  {
    name: 'a non-lifecycle event',
    type: 'deploy.requested',
    current: stored('active'),
    spec: v1,
    expect: { kind: 'reject', reason: /not a service lifecycle event/ },
  },
];

describe('decideServiceTransition', () => {
  it.each(cases)('$name', ({ type, current, spec, expect: want }) => {
    const t = decideServiceTransition(type, current, spec, OP, NOW, EVT);
    if (want.kind === 'reject') {
      expect(t.kind).toBe('reject');
      if (t.kind === 'reject') expect(t.reason).toMatch(want.reason);
      return;
    }
    expect(t.kind).toBe('commit');
    if (t.kind !== 'commit') return;
    expect(t.message).toBe(want.message);
    expect(t.expectedVersion).toBe(want.expectedVersion);
    expect(t.record).toMatchObject({
      name: 'orders',
      version: want.version,
      revision: want.revision,
      phase: want.phase,
      updatedAt: NOW.toISOString(),
      lastOperationId: OP,
    });
    expect(t.record.reason).toBeUndefined();
    expect(t.event).toMatchObject({ service: 'orders', type: want.audit, at: NOW.toISOString(), operationId: OP });
    if (want.newRevision)
      expect(t.revision).toEqual({ service: 'orders', revision: want.revision, spec: t.record.spec, createdAt: NOW.toISOString(), operationId: OP });
    else expect(t.revision).toBeUndefined();
  });

  it('registration stamps createdAt now; an update keeps the original createdAt', () => {
    const registered = decideServiceTransition('service.registered', undefined, v1, OP, NOW, EVT);
    const updated = decideServiceTransition('service.updated', stored('active'), v2, OP, NOW, EVT);
    expect(registered.kind === 'commit' && registered.record.createdAt).toBe(NOW.toISOString());
    expect(updated.kind === 'commit' && updated.record.createdAt).toBe(EARLIER);
  });

  it('an update records which top-level fields changed', () => {
    const next = ServiceSpec.parse(minimalInput('orders', { replicas: 5, image: 'registry.example.com/test/orders:2.0.0' }));
    const t = decideServiceTransition('service.updated', stored('active'), next, OP, NOW, EVT);
    expect(t.kind === 'commit' && t.event.data).toEqual({ revision: 4, changed: ['image', 'replicas'] });
  });

  it('a spec equal up to key order is unchanged (canonical comparison)', () => {
    const reordered = Object.fromEntries(Object.entries(v1).reverse()) as ServiceSpec;
    expect(Object.keys(reordered)).not.toEqual(Object.keys(v1));
    const t = decideServiceTransition('service.updated', stored('active'), reordered, OP, NOW, EVT);
    expect(t.kind === 'commit' && t.message).toBe('unchanged');
  });

  it('applying an update to the state it produced changes nothing more', () => {
    const first = decideServiceTransition('service.updated', stored('active'), v2, OP, NOW, EVT);
    if (first.kind !== 'commit') throw new Error('expected a commit');
    const again = decideServiceTransition('service.updated', first.record, v2, OP, NOW, EVT);
    expect(again.kind === 'commit' && again.revision).toBeUndefined();
    expect(again.kind === 'commit' && again.record.revision).toBe(first.record.revision);
  });
});

describe('changedFields', () => {
  it.each([
    { change: {}, fields: [] },
    { change: { replicas: 9 }, fields: ['replicas'] },
    { change: { env: { A: '1' }, port: 9090 }, fields: ['env', 'port'] },
    { change: { resources: { cpu: 100, memory: 256 } }, fields: ['resources'] },
  ])('$fields', ({ change, fields }) => {
    expect(changedFields(v1, ServiceSpec.parse({ ...minimalInput('orders', { replicas: 2 }), ...change }))).toEqual(fields);
  });
});

describe('decideServiceTransition is pure', () => {
  it('the same inputs give the same transition, with the audit event id and time the caller passed', () => {
    const spec = ServiceSpec.parse(minimalInput('pure-service'));
    const first = decideServiceTransition('service.registered', undefined, spec, OP, NOW, EVT);
    expect(decideServiceTransition('service.registered', undefined, spec, OP, NOW, EVT)).toEqual(first);
    expect(first.kind === 'commit' && { id: first.event.id, at: first.event.at }).toEqual({ id: EVT, at: NOW.toISOString() });
  });
});

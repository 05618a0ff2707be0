import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../../lib/composition/create-app.js';
import { TerminalError } from '../../../../lib/errors.js';
import type { EventType } from '../../../../lib/model/events.js';
import type { OperationKind, ServiceRecord } from '../../../../lib/model/records.js';
import { ServiceSpec, type ServiceSpecInput } from '../../../../lib/model/service-spec.js';
import type { ServiceConverger } from '../../../../lib/ports/service-converger.js';
import { applyServiceEvent, type ApplyServiceEventDeps } from '../../../../lib/usecases/services/apply-service-event.js';
import { ManualClock } from '../../../support/clock.js';
import { envelope } from '../../../support/envelopes.js';
import { useTestStack } from '../../../support/local-stack.js';
import { minimalInput } from '../../../support/service-specs.js';

const stack = useTestStack();
let app: App;
const clock = new ManualClock('2030-05-01T00:00:00.000Z');
/** The use case without a cluster: state only, so these tests look at the table alone. */
let deps: ApplyServiceEventDeps;
let opCounter = 0;

beforeAll(async () => {
  app = stack().createApp({ clock });
  deps = { store: app.store, queue: app.queue, clock };
});

const KIND: Record<string, OperationKind> = { 'service.registered': 'register', 'service.updated': 'update', 'service.deregistered': 'deregister' };

/**
 * What the API does before the queue: a pending operation, and the envelope that names it. Time moves
 * one second per request, so audit events sort in the order things happened.
 */
async function accepted(type: EventType, service: string, spec?: ServiceSpecInput) {
  clock.advance(1_000);
  const id = `op-${String(++opCounter).padStart(4, '0')}`;
  const now = clock.now().toISOString();
  await app.store.createOperation({ id, kind: KIND[type], service, status: 'pending', createdAt: now, updatedAt: now });
  return envelope(type, service, { id, payload: spec ? { spec: ServiceSpec.parse(spec) } : {} });
}

async function auditTypes(service: string): Promise<string[]> {
  return (await app.store.listEvents(service, { limit: 100 })).items.map((e) => e.type).reverse();
}

async function revisions(service: string) {
  return (await app.store.listRevisions(service, { limit: 100 })).items.reverse();
}

/**
 * Holds every caller of converge() until `parties` callers are waiting, then lets them all go, once:
 * two handlers that both read version 1 are then certain to race on the commit.
 */
function barrierConverger(parties: number): ServiceConverger {
  let waiting = 0;
  let release!: () => void;
  const opened = new Promise<void>((resolve) => (release = resolve));
  return {
    async converge() {
      if (waiting >= parties) return;
      waiting += 1;
      if (waiting === parties) release();
      await opened;
    },
  };
}

describe('applyServiceEvent', () => {
  it('registers: record, revision 1, operation succeeded and one audit event, all from one event', async () => {
    const event = await accepted('service.registered', 'fresh', minimalInput('fresh'));
    expect(await applyServiceEvent(deps, event)).toEqual({ outcome: 'applied', message: 'registered' });
    expect(await app.store.getService('fresh')).toMatchObject({
      version: 1,
      revision: 1,
      phase: 'active',
      lastOperationId: event.id,
      createdAt: clock.now().toISOString(),
    });
    expect((await revisions('fresh')).map((r) => r.revision)).toEqual([1]);
    expect(await app.store.getOperation(event.id)).toMatchObject({ status: 'succeeded', result: { service: 'fresh' } });
    expect(await auditTypes('fresh')).toEqual(['ServiceRegistered']);
  });

  it('a duplicated message is a no-op: same version, one revision, one audit event', async () => {
    const event = await accepted('service.registered', 'dup', minimalInput('dup'));
    await applyServiceEvent(deps, event);
    const before = await stack().scanTable();
    clock.advance(1_000);
    expect(await applyServiceEvent(deps, event)).toEqual({ outcome: 'duplicate' });
    expect(await stack().scanTable()).toEqual(before);
    expect(await app.store.getService('dup')).toMatchObject({ version: 1, revision: 1 });
    expect(await revisions('dup')).toHaveLength(1);
    expect(await auditTypes('dup')).toEqual(['ServiceRegistered']);
  });

  it('a duplicate delivered while the first is still in flight commits once', async () => {
    const event = await accepted('service.registered', 'dup-parallel', minimalInput('dup-parallel'));
    const racing = { ...deps, converger: barrierConverger(2) };
    const outcomes = await Promise.all([applyServiceEvent(racing, event), applyServiceEvent(racing, event)]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['applied', 'duplicate']);
    expect(await revisions('dup-parallel')).toHaveLength(1);
    expect(await auditTypes('dup-parallel')).toEqual(['ServiceRegistered']);
  });

  it('a conflicting concurrent update loses cleanly and is retried: both succeed, revisions 2 and 3, no lost write', async () => {
    await applyServiceEvent(deps, await accepted('service.registered', 'raced', minimalInput('raced', { replicas: 1 })));
    const left = await accepted('service.updated', 'raced', minimalInput('raced', { replicas: 4 }));
    const right = await accepted('service.updated', 'raced', minimalInput('raced', { replicas: 9 }));
    const racing = { ...deps, converger: barrierConverger(2) };

    const outcomes = await Promise.all([applyServiceEvent(racing, left), applyServiceEvent(racing, right)]);

    expect(outcomes).toEqual([
      { outcome: 'applied', message: 'updated' },
      { outcome: 'applied', message: 'updated' },
    ]);
    const revs = await revisions('raced');
    expect(revs.map((r) => r.revision)).toEqual([1, 2, 3]);
    // Both specs were kept as revisions, each attributed to its own operation.
    expect(
      revs
        .slice(1)
        .map((r) => [r.operationId, r.spec.replicas])
        .sort(),
    ).toEqual([
      [left.id, 4],
      [right.id, 9],
    ]);
    const final = (await app.store.getService('raced'))!;
    const last = revs[2];
    expect(final).toMatchObject({ version: 3, revision: 3, lastOperationId: last.operationId });
    expect(final.spec).toEqual(last.spec);
    for (const op of [left, right]) expect(await app.store.getOperation(op.id)).toMatchObject({ status: 'succeeded' });
    expect(await auditTypes('raced')).toEqual(['ServiceRegistered', 'ServiceUpdated', 'ServiceUpdated']);
  });

  it('an update with an unchanged spec completes the operation without a new revision', async () => {
    await applyServiceEvent(deps, await accepted('service.registered', 'same', minimalInput('same')));
    const event = await accepted('service.updated', 'same', minimalInput('same'));
    expect(await applyServiceEvent(deps, event)).toEqual({ outcome: 'applied', message: 'unchanged' });
    expect(await app.store.getService('same')).toMatchObject({ version: 2, revision: 1 });
    expect(await revisions('same')).toHaveLength(1);
    expect(await app.store.getOperation(event.id)).toMatchObject({ status: 'succeeded' });
  });

  it('deregister then register again: revisions keep counting and history is kept', async () => {
    await applyServiceEvent(deps, await accepted('service.registered', 'again', minimalInput('again', { replicas: 1 })));
    await applyServiceEvent(deps, await accepted('service.deregistered', 'again'));
    expect(await app.store.getService('again')).toMatchObject({ phase: 'deleted', version: 2, revision: 1 });
    await applyServiceEvent(deps, await accepted('service.registered', 'again', minimalInput('again', { replicas: 6 })));
    expect(await app.store.getService('again')).toMatchObject({ phase: 'active', version: 3, revision: 2, spec: { replicas: 6 } });
    expect((await revisions('again')).map((r) => [r.revision, r.spec.replicas])).toEqual([
      [1, 1],
      [2, 6],
    ]);
    expect(await auditTypes('again')).toEqual(['ServiceRegistered', 'ServiceDeregistered', 'ServiceRegistered']);
  });

  it.each([
    { name: 'registering a taken name', setup: true, type: 'service.registered' as const, reason: /already registered/ },
    { name: 'updating an unknown service', setup: false, type: 'service.updated' as const, reason: /not registered/ },
    { name: 'deregistering an unknown service', setup: false, type: 'service.deregistered' as const, reason: /not registered/ },
  ])('$name fails the operation with a reason and leaves the service as it was', async ({ setup, type, reason }) => {
    const name = `rejected-${++opCounter}`;
    if (setup) await applyServiceEvent(deps, await accepted('service.registered', name, minimalInput(name)));
    const before = await app.store.getService(name);
    const event = await accepted(type, name, type === 'service.deregistered' ? undefined : minimalInput(name, { replicas: 7 }));
    const outcome = await applyServiceEvent(deps, event);
    expect(outcome.outcome).toBe('rejected');
    expect(await app.store.getService(name)).toEqual(before);
    const op = await app.store.getOperation(event.id);
    expect(op?.status).toBe('failed');
    expect(op?.reason).toMatch(reason);
    expect((await auditTypes(name)).at(-1)).toBe('OperationFailed');
  });

  it('an event whose spec is invalid fails its operation, listing the problems', async () => {
    const event = await accepted('service.registered', 'bad-spec');
    const outcome = await applyServiceEvent(deps, { ...event, payload: { spec: { name: 'bad-spec', port: 'eighty' } } });
    expect(outcome.outcome).toBe('rejected');
    const op = await app.store.getOperation(event.id);
    expect(op?.reason).toMatch(/image/);
    expect(op?.reason).toMatch(/port/);
    expect(await app.store.getService('bad-spec')).toBeUndefined();
  });

  it('a cluster that refuses the change for good fails the operation and writes no service', async () => {
    const refusing: ServiceConverger = {
      async converge() {
        throw new TerminalError('admission webhook denied the Deployment');
      },
    };
    const event = await accepted('service.registered', 'refused', minimalInput('refused'));
    const outcome = await applyServiceEvent({ ...deps, converger: refusing }, event);
    expect(outcome).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(/admission webhook denied/) });
    expect(await app.store.getService('refused')).toBeUndefined();
    expect(await app.store.getOperation(event.id)).toMatchObject({ status: 'failed' });
  });

  it('deregistering a service whose cluster was deleted ends, with an event saying the cluster is gone', async () => {
    await app.store.putCluster({
      id: 'gone-cluster',
      default: false,
      target: { kind: 'simulated', url: 'http://127.0.0.1:9' },
      createdAt: clock.now().toISOString(),
    });
    await applyServiceEvent(deps, await accepted('service.registered', 'orphaned', minimalInput('orphaned', { cluster: 'gone-cluster' })));
    await app.store.deleteCluster('gone-cluster');

    // The real converger: it must not try to reach (or fail on) a cluster that no longer exists.
    const event = await accepted('service.deregistered', 'orphaned');
    expect(await applyServiceEvent({ ...deps, converger: app.converger }, event)).toMatchObject({ outcome: 'applied' });
    expect(await app.store.getOperation(event.id)).toMatchObject({ status: 'succeeded' });
    expect((await app.store.getService('orphaned'))?.phase ?? 'deleted').toBe('deleted');
    const gone = (await app.store.listEvents('orphaned', { limit: 100 })).items.find((e) => e.type === 'ClusterGone');
    expect(gone?.message).toBe('cluster "gone-cluster" no longer exists; nothing was left there to delete');
  });

  it('a transient cluster failure throws so the message is retried, and the retry applies once', async () => {
    let calls = 0;
    const flaky: ServiceConverger = {
      async converge() {
        calls += 1;
        if (calls === 1) throw new Error('connection reset by the API server');
      },
    };
    const event = await accepted('service.registered', 'flaky', minimalInput('flaky'));
    await expect(applyServiceEvent({ ...deps, converger: flaky }, event)).rejects.toThrow(/connection reset/);
    expect(await app.store.getService('flaky')).toBeUndefined();
    expect(await app.store.getOperation(event.id)).toMatchObject({ status: 'pending' });
    expect(await applyServiceEvent({ ...deps, converger: flaky }, event)).toMatchObject({ outcome: 'applied' });
    expect(await revisions('flaky')).toHaveLength(1);
  });

  it('an event without an operation record (sent by another producer) still applies', async () => {
    const event = envelope('service.registered', 'no-op-record', { payload: { spec: ServiceSpec.parse(minimalInput('no-op-record')) } });
    expect(await applyServiceEvent(deps, event)).toMatchObject({ outcome: 'applied' });
    expect(await app.store.getService('no-op-record')).toMatchObject({ version: 1, revision: 1 } satisfies Partial<ServiceRecord>);
  });
});

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbStateStore } from '../../../../lib/adapters/dynamodb/dynamodb-state-store.js';
import { OperationCompletedError, ValidationError, VersionConflictError } from '../../../../lib/errors.js';
import type { AuditEvent, DeploymentRecord, OperationRecord, RevisionRecord, ServiceRecord } from '../../../../lib/model/records.js';
import { ServiceSpec } from '../../../../lib/model/service-spec.js';
import { provisionTable } from '../../../../lib/local/provision.js';
import { awsClientConfig } from '../../../../lib/composition/create-app.js';
import { useTestStack } from '../../../support/local-stack.js';
import { minimalInput } from '../../../support/service-specs.js';

const stack = useTestStack();
let client: DynamoDBClient;
let store: DynamoDbStateStore;
let tableCount = 0;

beforeAll(async () => {
  client = new DynamoDBClient({ ...awsClientConfig(stack().config, 'dynamodb'), maxAttempts: 1 });
  store = new DynamoDbStateStore(client, stack().config.tableName);
});

afterAll(() => {
  client?.destroy();
});

/** A store on a table of its own, for tests that look at whole listings. */
async function freshStore(): Promise<DynamoDbStateStore> {
  const name = `listing-${++tableCount}`;
  await provisionTable(client, name);
  return new DynamoDbStateStore(client, name);
}

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

function service(name: string, overrides: Partial<ServiceRecord> = {}): ServiceRecord {
  return {
    name,
    spec: ServiceSpec.parse(minimalInput(name)),
    version: 1,
    revision: 1,
    phase: 'active',
    createdAt: at(0),
    updatedAt: at(0),
    lastOperationId: `op-${name}-1`,
    ...overrides,
  };
}

function revision(record: ServiceRecord): RevisionRecord {
  return { service: record.name, revision: record.revision, spec: record.spec, createdAt: record.updatedAt, operationId: record.lastOperationId };
}

function operation(id: string, serviceName: string, overrides: Partial<OperationRecord> = {}): OperationRecord {
  return { id, kind: 'register', service: serviceName, status: 'pending', createdAt: at(0), updatedAt: at(0), ...overrides };
}

function audit(serviceName: string, id: string, seconds: number): AuditEvent {
  return { service: serviceName, id, at: at(seconds), type: 'Test', message: `event ${id}` };
}

async function register(record: ServiceRecord): Promise<void> {
  await store.commitServiceChange({
    service: record,
    expectedVersion: null,
    revision: revision(record),
    events: [audit(record.name, `evt-${record.name}-reg`, 0)],
  });
}

describe('services', () => {
  it('a committed change reads back whole: record, revision, operation outcome, audit event', async () => {
    const record = service('commit-reload', {
      spec: ServiceSpec.parse(minimalInput('commit-reload', { env: { A: '1' }, dependencies: [{ service: 'other', rps: 2.5 }] })),
    });
    await store.createOperation(operation('op-commit', record.name));
    await store.commitServiceChange({
      service: record,
      expectedVersion: null,
      revision: revision(record),
      operation: { id: 'op-commit', status: 'succeeded', result: { service: record.name } },
      events: [audit(record.name, 'evt-commit', 1)],
    });
    expect(await store.getService(record.name)).toEqual(record);
    expect(await store.getRevision(record.name, 1)).toEqual(revision(record));
    expect(await store.getOperation('op-commit')).toEqual({ ...operation('op-commit', record.name), status: 'succeeded', result: { service: record.name } });
    expect((await store.listEvents(record.name, { limit: 10 })).items).toEqual([audit(record.name, 'evt-commit', 1)]);
  });

  it('an absent service reads as undefined', async () => {
    expect(await store.getService('never-registered')).toBeUndefined();
    expect(await store.getRevision('never-registered', 1)).toBeUndefined();
    expect(await store.getOperation('op-never')).toBeUndefined();
  });

  it('a write on a stale version fails with VersionConflictError and changes nothing', async () => {
    const v1 = service('stale');
    await register(v1);
    const v2 = { ...v1, version: 2, revision: 2, spec: { ...v1.spec, replicas: 7 }, updatedAt: at(10) };
    await store.commitServiceChange({ service: v2, expectedVersion: 1, revision: revision(v2), events: [] });
    const before = await stack().scanTable();
    const stale = { ...v1, version: 2, revision: 2, spec: { ...v1.spec, replicas: 1 } };
    await expect(
      store.commitServiceChange({ service: stale, expectedVersion: 1, revision: revision(stale), events: [audit('stale', 'evt-stale', 20)] }),
    ).rejects.toBeInstanceOf(VersionConflictError);
    expect(await stack().scanTable()).toEqual(before);
  });

  it('registering a live name fails with VersionConflictError; a tombstone can be registered over', async () => {
    const live = service('taken');
    await register(live);
    await expect(
      store.commitServiceChange({ service: service('taken', { lastOperationId: 'op-other' }), expectedVersion: null, events: [] }),
    ).rejects.toBeInstanceOf(VersionConflictError);
    expect(await store.getService('taken')).toEqual(live);

    await store.commitServiceChange({ service: { ...live, phase: 'deleted', version: 2 }, expectedVersion: 1, events: [] });
    const again = service('taken', { version: 3, revision: 2, lastOperationId: 'op-again' });
    await store.commitServiceChange({ service: again, expectedVersion: null, revision: revision(again), events: [] });
    expect(await store.getService('taken')).toEqual(again);
  });

  it('a revision that exists already is never overwritten', async () => {
    const v1 = service('rev-clash');
    await register(v1);
    const clash = { ...v1, version: 2, spec: { ...v1.spec, replicas: 9 } };
    await expect(store.commitServiceChange({ service: clash, expectedVersion: 1, revision: revision(clash), events: [] })).rejects.toBeInstanceOf(
      VersionConflictError,
    );
    expect(await store.getRevision('rev-clash', 1)).toEqual(revision(v1));
    expect(await store.getService('rev-clash')).toEqual(v1);
  });

  it('revisions list newest first, page by page', async () => {
    let record = service('revs');
    await register(record);
    for (let r = 2; r <= 5; r++) {
      const next = { ...record, version: r, revision: r, spec: { ...record.spec, replicas: r }, updatedAt: at(r) };
      await store.commitServiceChange({ service: next, expectedVersion: record.version, revision: revision(next), events: [] });
      record = next;
    }
    const first = await store.listRevisions('revs', { limit: 3 });
    expect(first.items.map((r) => r.revision)).toEqual([5, 4, 3]);
    const second = await store.listRevisions('revs', { limit: 3, cursor: first.nextCursor });
    expect(second.items.map((r) => r.revision)).toEqual([2, 1]);
    expect(second.nextCursor).toBeUndefined();
  });
});

describe('operations', () => {
  it('completing an operation twice fails with OperationCompletedError and keeps the first outcome', async () => {
    await store.createOperation(operation('op-twice', 'svc'));
    await store.completeOperation({ id: 'op-twice', status: 'failed', reason: 'first' }, [audit('svc', 'evt-twice-1', 1)]);
    await expect(store.completeOperation({ id: 'op-twice', status: 'succeeded' }, [audit('svc', 'evt-twice-2', 2)])).rejects.toBeInstanceOf(
      OperationCompletedError,
    );
    expect(await store.getOperation('op-twice')).toMatchObject({ status: 'failed', reason: 'first' });
    expect((await store.listEvents('svc', { limit: 10 })).items.map((e) => e.id)).not.toContain('evt-twice-2');
  });

  it('a service change carrying a completed operation fails as a whole with OperationCompletedError', async () => {
    const record = service('op-done');
    await store.createOperation(operation('op-done-1', record.name));
    await store.completeOperation({ id: 'op-done-1', status: 'succeeded' }, []);
    await expect(
      store.commitServiceChange({
        service: record,
        expectedVersion: null,
        revision: revision(record),
        operation: { id: 'op-done-1', status: 'succeeded' },
        events: [audit(record.name, 'evt-op-done', 1)],
      }),
    ).rejects.toBeInstanceOf(OperationCompletedError);
    expect(await store.getService(record.name)).toBeUndefined();
    expect(await store.getRevision(record.name, 1)).toBeUndefined();
    expect((await store.listEvents(record.name, { limit: 10 })).items).toEqual([]);
  });

  it('creating an operation id twice fails with OperationCompletedError', async () => {
    await store.createOperation(operation('op-created-twice', 'svc'));
    await expect(store.createOperation(operation('op-created-twice', 'svc', { kind: 'update' }))).rejects.toBeInstanceOf(OperationCompletedError);
    expect(await store.getOperation('op-created-twice')).toMatchObject({ kind: 'register' });
  });
});

describe('listing services through the index', () => {
  it('pages through every live service in name order with cursors', async () => {
    const listing = await freshStore();
    const names = ['echo', 'alpha', 'golf', 'charlie', 'bravo', 'foxtrot', 'delta'];
    for (const name of names) await listing.commitServiceChange({ service: service(name), expectedVersion: null, events: [] });
    const seen: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await listing.listServices({ limit: 3, cursor });
      seen.push(page.items.map((s) => s.name));
      cursor = page.nextCursor;
    } while (cursor && seen.length < 10);
    expect(seen.flat()).toEqual([...names].sort());
    expect(seen.slice(0, 2).map((p) => p.length)).toEqual([3, 3]);
    expect((await listing.listAllServices()).map((s) => s.name)).toEqual([...names].sort());
    // Listed records are the whole record, not index keys.
    expect((await listing.listServices({ limit: 1 })).items[0]).toEqual(service('alpha'));
  });

  it('a deleted service disappears from listings but stays readable as a tombstone', async () => {
    const listing = await freshStore();
    for (const name of ['keep', 'drop']) await listing.commitServiceChange({ service: service(name), expectedVersion: null, events: [] });
    await listing.commitServiceChange({ service: service('drop', { phase: 'deleted', version: 2 }), expectedVersion: 1, events: [] });
    expect((await listing.listServices({ limit: 10 })).items.map((s) => s.name)).toEqual(['keep']);
    expect((await listing.listAllServices()).map((s) => s.name)).toEqual(['keep']);
    expect(await listing.getService('drop')).toMatchObject({ phase: 'deleted', version: 2 });
  });

  it('a failed service is still listed', async () => {
    const listing = await freshStore();
    await listing.commitServiceChange({ service: service('broken', { phase: 'failed', reason: 'cluster refused' }), expectedVersion: null, events: [] });
    expect((await listing.listServices({ limit: 10 })).items).toEqual([service('broken', { phase: 'failed', reason: 'cluster refused' })]);
  });

  it.each([
    ['garbage', 'not-a-cursor!!'],
    ['base64 of a non-object', Buffer.from('[1,2]').toString('base64url')],
    ['base64 of a scalar map', Buffer.from('{"pk":"x"}').toString('base64url')],
  ])('an invalid cursor (%s) is a ValidationError', async (_what, cursor) => {
    const err = await store.listServices({ limit: 5, cursor }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).problems.map((p) => p.path)).toEqual(['cursor']);
  });
});

describe('audit events', () => {
  it('list newest first, page by page, per service', async () => {
    const events = [3, 1, 5, 2, 4].map((s) => audit('audited', `evt-${s}`, s));
    await store.appendEvents(events);
    await store.appendEvents([audit('someone-else', 'evt-x', 9)]);
    const first = await store.listEvents('audited', { limit: 2 });
    const second = await store.listEvents('audited', { limit: 2, cursor: first.nextCursor });
    const third = await store.listEvents('audited', { limit: 2, cursor: second.nextCursor });
    expect([...first.items, ...second.items, ...third.items].map((e) => e.id)).toEqual(['evt-5', 'evt-4', 'evt-3', 'evt-2', 'evt-1']);
    expect(third.nextCursor).toBeUndefined();
  });

  it('appends more than one transaction can hold (25 items)', async () => {
    await store.appendEvents(Array.from({ length: 30 }, (_, i) => audit('many-events', `evt-${String(i).padStart(2, '0')}`, i)));
    const page = await store.listEvents('many-events', { limit: 100 });
    expect(page.items).toHaveLength(30);
    expect(page.items[0].id).toBe('evt-29');
  });
});

describe('deployments', () => {
  const deployment = (id: string, seconds: number, overrides: Partial<DeploymentRecord> = {}): DeploymentRecord => ({
    id,
    service: 'deployed',
    image: `img:${id}`,
    status: 'pending',
    strategy: 'canary',
    fromRevision: 1,
    steps: [],
    operationId: `op-${id}`,
    version: 1,
    createdAt: at(seconds),
    updatedAt: at(seconds),
    ...overrides,
  });

  it('create once, update on the expected version, list newest first', async () => {
    await store.putDeployment(deployment('dep-01', 1), null);
    await store.putDeployment(deployment('dep-02', 2), null);
    await expect(store.putDeployment(deployment('dep-01', 3), null)).rejects.toBeInstanceOf(VersionConflictError);
    await store.putDeployment(deployment('dep-01', 1, { status: 'running', version: 2 }), 1);
    await expect(store.putDeployment(deployment('dep-01', 1, { status: 'aborted', version: 2 }), 1)).rejects.toBeInstanceOf(VersionConflictError);
    expect(await store.getDeployment('deployed', 'dep-01')).toEqual(deployment('dep-01', 1, { status: 'running', version: 2 }));
    expect((await store.listDeployments('deployed', { limit: 10 })).items.map((d) => d.id)).toEqual(['dep-02', 'dep-01']);
  });

  it('records the operation outcome with the deployment, or neither', async () => {
    await store.createOperation(operation('op-dep-03', 'deployed', { kind: 'deploy' }));
    await store.putDeployment(deployment('dep-03', 3), null, { id: 'op-dep-03', status: 'succeeded', result: { deploymentId: 'dep-03' } });
    expect(await store.getOperation('op-dep-03')).toMatchObject({ status: 'succeeded', result: { deploymentId: 'dep-03' } });
    await expect(store.putDeployment(deployment('dep-04', 4), null, { id: 'op-dep-03', status: 'succeeded' })).rejects.toBeInstanceOf(OperationCompletedError);
    expect(await store.getDeployment('deployed', 'dep-04')).toBeUndefined();
  });
});

describe('clusters', () => {
  it('put, get, list and delete', async () => {
    const listing = await freshStore();
    const cluster = { id: 'eu-1', target: { kind: 'simulated' as const }, default: true, createdAt: at(0) };
    await listing.putCluster(cluster);
    await listing.putCluster({ ...cluster, id: 'us-1', default: false });
    expect(await listing.getCluster('eu-1')).toEqual(cluster);
    expect((await listing.listClusters()).map((c) => c.id)).toEqual(['eu-1', 'us-1']);
    expect(await listing.deleteCluster('eu-1')).toBe(true);
    expect(await listing.deleteCluster('eu-1')).toBe(false);
    expect((await listing.listClusters()).map((c) => c.id)).toEqual(['us-1']);
    // Clusters share the listing index with services without showing up among them.
    expect((await listing.listServices({ limit: 10 })).items).toEqual([]);
  });
});

describe('the call-graph index', () => {
  const edge = (callee: string, caller: string, callerNamespace = 'default', rps = 1) => ({ callee, caller, callerNamespace, rps });

  it('records callers in the callee partition with the change, and removes them with a later one', async () => {
    const caller = service('graph-orders');
    await store.commitServiceChange({
      service: caller,
      expectedVersion: null,
      events: [],
      callerEdges: { put: [edge('graph-users', 'graph-orders'), edge('graph-stock', 'graph-orders', 'default', 9)], remove: [] },
    });
    expect(await store.listCallers('graph-users')).toEqual([{ name: 'graph-orders', namespace: 'default' }]);
    expect(await store.listCallers('graph-stock')).toEqual([{ name: 'graph-orders', namespace: 'default' }]);

    await store.commitServiceChange({
      service: { ...caller, version: 2 },
      expectedVersion: 1,
      events: [],
      callerEdges: { put: [], remove: [{ callee: 'graph-users', caller: 'graph-orders' }] },
    });
    expect(await store.listCallers('graph-users')).toEqual([]);
    expect(await store.listCallers('graph-stock')).toHaveLength(1);
  });

  it('does not write the index when the change loses its race', async () => {
    await register(service('graph-race'));
    await expect(
      store.commitServiceChange({
        service: service('graph-race', { version: 2 }),
        expectedVersion: 7,
        events: [],
        callerEdges: { put: [edge('graph-race-callee', 'graph-race')], remove: [] },
      }),
    ).rejects.toBeInstanceOf(VersionConflictError);
    expect(await store.listCallers('graph-race-callee')).toEqual([]);
  });

  it('writes more edges than one transaction holds (the rest in batches)', async () => {
    const put = Array.from({ length: 150 }, (_, i) => edge(`graph-many-${i}`, 'graph-fan-out'));
    await store.commitServiceChange({ service: service('graph-fan-out'), expectedVersion: null, events: [], callerEdges: { put, remove: [] } });
    const found = await Promise.all([0, 49, 96, 97, 149].map((i) => store.listCallers(`graph-many-${i}`)));
    expect(found.map((c) => c.length)).toEqual([1, 1, 1, 1, 1]);
  });

  it('reads several services at once, leaving out unknown and deregistered ones', async () => {
    await register(service('graph-a'));
    await register(service('graph-b'));
    await store.commitServiceChange({ service: service('graph-c', { phase: 'deleted' }), expectedVersion: null, events: [] });
    const found = await store.getServices(['graph-a', 'graph-b', 'graph-c', 'graph-missing', 'graph-a']);
    expect(found.map((s) => s.name).sort()).toEqual(['graph-a', 'graph-b']);
  });
});

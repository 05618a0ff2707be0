/** The release store on dynalite: conditional writes, the operation outcome in the same write, the listings. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbStateStore } from '../../../../lib/adapters/dynamodb/dynamodb-state-store.js';
import { awsClientConfig } from '../../../../lib/composition/create-app.js';
import { OperationCompletedError, VersionConflictError } from '../../../../lib/errors.js';
import { provisionTable } from '../../../../lib/local/provision.js';
import type { ReleaseRecord } from '../../../../lib/model/release.js';
import { useTestStack } from '../../../support/local-stack.js';

const stack = useTestStack();
let client: DynamoDBClient;
let store: DynamoDbStateStore;

beforeAll(async () => {
  client = new DynamoDBClient({ ...awsClientConfig(stack().config, 'dynamodb'), maxAttempts: 1 });
  await provisionTable(client, 'releases');
  store = new DynamoDbStateStore(client, 'releases');
});

afterAll(() => client?.destroy());

const release = (id: string, createdAt: string, status: ReleaseRecord['status'] = 'pending'): ReleaseRecord => ({
  id,
  status,
  onFailure: 'rollbackAll',
  levels: [['db'], ['api']],
  items: [
    { service: 'db', image: 'db:2', level: 0, status: 'pending' },
    { service: 'api', image: 'api:2', level: 1, status: 'pending' },
  ],
  intervalSeconds: 30,
  currentLevel: 0,
  operationId: `op-${id}`,
  version: 1,
  createdAt,
  updatedAt: createdAt,
});

describe('DynamoDbReleaseStore', () => {
  it('creates once, updates at the expected version only, and completes the operation in the same write', async () => {
    const op = {
      id: 'op-rel-a',
      kind: 'release' as const,
      service: 'rel-a',
      status: 'pending' as const,
      createdAt: '2030-01-01T00:00:00.000Z',
      updatedAt: '2030-01-01T00:00:00.000Z',
    };
    await store.createOperation(op);
    const r = release('rel-a', '2030-01-01T00:00:01.000Z');
    await store.putRelease(r, null, { id: op.id, status: 'succeeded', result: { releaseId: r.id } });
    expect(await store.getRelease('rel-a')).toEqual(r);
    expect(await store.getOperation(op.id)).toMatchObject({ status: 'succeeded', result: { releaseId: 'rel-a' } });
    await expect(store.putRelease(r, null)).rejects.toBeInstanceOf(VersionConflictError);
    await expect(store.putRelease({ ...r, id: 'rel-a2' }, null, { id: op.id, status: 'succeeded' })).rejects.toBeInstanceOf(OperationCompletedError);
    expect(await store.getRelease('rel-a2')).toBeUndefined();

    await store.putRelease({ ...r, status: 'running', version: 2 }, 1);
    await expect(store.putRelease({ ...r, status: 'failed', version: 2 }, 1)).rejects.toBeInstanceOf(VersionConflictError);
    expect(await store.getRelease('rel-a')).toMatchObject({ status: 'running', version: 2 });
  });

  it('lists newest first, and the unended ones for the reconcile', async () => {
    await store.putRelease(release('rel-b', '2030-01-01T00:01:00.000Z', 'succeeded'), null);
    await store.putRelease(release('rel-c', '2030-01-01T00:02:00.000Z', 'stopping'), null);
    await store.putRelease(release('rel-d', '2030-01-01T00:03:00.000Z', 'aborted'), null);
    const page = await store.listReleases({ limit: 2 });
    expect(page.items.map((r) => r.id)).toEqual(['rel-d', 'rel-c']);
    const next = await store.listReleases({ limit: 10, cursor: page.nextCursor });
    expect(next.items.map((r) => r.id)).toEqual(['rel-b', 'rel-a']);
    expect((await store.listUnendedReleases()).map((r) => r.id).sort()).toEqual(['rel-a', 'rel-c']);
  });
});

/**
 * The release reconcile over the real store (dynalite). The release workflow is a hand-written stand-in
 * for the port (executions' states are what the test sets), faithful to its contract: `start` is
 * idempotent by name, `state` says absent / running / ended.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbStateStore } from '../../../../lib/adapters/dynamodb/dynamodb-state-store.js';
import { awsClientConfig } from '../../../../lib/composition/create-app.js';
import { provisionTable } from '../../../../lib/local/provision.js';
import type { ReleaseRecord } from '../../../../lib/model/release.js';
import type { ExecutionState, ReleaseWorkflow } from '../../../../lib/ports/release-workflow.js';
import { reconcileReleases } from '../../../../lib/usecases/releases/reconcile-releases.js';
import { ManualClock } from '../../../support/clock.js';
import { useTestStack } from '../../../support/local-stack.js';

const stack = useTestStack();
let client: DynamoDBClient;
let store: DynamoDbStateStore;

beforeAll(async () => {
  client = new DynamoDBClient({ ...awsClientConfig(stack().config, 'dynamodb'), maxAttempts: 1 });
  await provisionTable(client, 'release-reconcile');
  store = new DynamoDbStateStore(client, 'release-reconcile');
});
afterAll(() => client?.destroy());

class Executions implements ReleaseWorkflow {
  readonly states = new Map<string, ExecutionState>();
  readonly started: string[] = [];
  async start(input: { releaseId: string }) {
    if (this.states.has(input.releaseId)) return;
    this.states.set(input.releaseId, 'running');
    this.started.push(input.releaseId);
  }
  async state(id: string) {
    return this.states.get(id) ?? 'absent';
  }
}

const release = (id: string, status: ReleaseRecord['status'], items: ReleaseRecord['items']): ReleaseRecord => ({
  id,
  status,
  onFailure: 'rollbackAll',
  levels: [['db'], ['api']],
  items,
  intervalSeconds: 30,
  currentLevel: 1,
  operationId: `op-${id}`,
  version: 1,
  createdAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:00.000Z',
});

describe('reconcileReleases', () => {
  it('starts a release that has no execution, leaves a running one alone, and ends one whose execution is over', async () => {
    const items: ReleaseRecord['items'] = [
      { service: 'db', image: 'db:2', level: 0, status: 'succeeded', deploymentId: 'dep-1' },
      { service: 'api', image: 'api:2', level: 1, status: 'pending' },
    ];
    await store.putRelease(release('rel-lost', 'running', items), null);
    await store.putRelease(release('rel-live', 'running', items), null);
    await store.putRelease(release('rel-over', 'stopping', items), null);
    await store.putRelease(release('rel-done', 'succeeded', items), null);
    const executions = new Executions();
    executions.states.set('rel-live', 'running');
    executions.states.set('rel-over', 'ended');
    const clock = new ManualClock('2030-01-01T00:10:00.000Z');

    const result = await reconcileReleases({ store, releases: executions, clock, queue: { send: async () => undefined } });
    expect(result).toMatchObject({ checked: 3, resumed: ['rel-lost'], ended: ['rel-over'], errors: [] });
    expect(executions.started).toEqual(['rel-lost']);
    const over = await store.getRelease('rel-over');
    expect(over).toMatchObject({ status: 'failed', endedAt: '2030-01-01T00:10:00.000Z' });
    expect(over?.reason).toMatch(/its execution ended before the release did/);
    expect(over?.items.map((i) => i.status)).toEqual(['succeeded', 'aborted']);
    expect(await store.getRelease('rel-live')).toMatchObject({ status: 'running', version: 1 });

    // Run again: nothing more to do for the ones handled.
    const again = await reconcileReleases({ store, releases: executions, clock, queue: { send: async () => undefined } });
    expect(again).toMatchObject({ resumed: [], ended: [] });
  });
});

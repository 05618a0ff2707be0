/**
 * GET /v1/optimizer/runs against dynalite: finished runs (as the optimizer stores them, with a listing
 * time) newest first, as summaries, paged with the cursor; a run stored without a listing time is not listed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../../lib/api/create-api.js';
import type { Router } from '../../../lib/api/router.js';
import type { App } from '../../../lib/composition/create-app.js';
import { OPTIMIZER_DOC, OPTIMIZER_RUN_TTL_SECONDS, type OptimizerRun } from '../../../lib/usecases/optimizer/optimizer-run.js';
import { useTestStack } from '../../support/local-stack.js';

const stack = useTestStack();
let app: App;
let api: Router;

beforeAll(async () => {
  app = stack().createApp();
  api = createApi(app);
});

const get = async (path: string, query: Record<string, string> = {}) => {
  const res = await api.handle({ method: 'GET', path, query, headers: {} });
  return { status: res.statusCode, body: JSON.parse(res.body) };
};

const cost = (dollarsPerMonth: number, total: number) => ({
  total,
  communication: total,
  latencyMsPerSecond: total,
  meanLatencyMs: 1,
  dollarsPerMonth,
  trafficShare: { sameNode: 0, sameZone: 0.5, crossZone: 0.5, crossCluster: 0 },
});

function run(id: string, startedAt: string, overrides: Partial<OptimizerRun> = {}): OptimizerRun {
  return {
    id,
    status: 'planned',
    dryRun: true,
    cluster: 'local',
    solver: 'ilp',
    solveStatus: 'optimal',
    gap: 0,
    solveTimeMs: 12,
    costBefore: cost(12, 100),
    costAfterPlan: cost(4, 30),
    moves: [
      { service: 'api', replicaIndex: 0, fromNode: 'b1', toNode: 'a1', costDelta: -50 },
      { service: 'api', replicaIndex: 1, fromNode: 'b2', toNode: 'a2', costDelta: -20 },
    ],
    frozen: [{ service: 'web', reason: 'in a rollout' }],
    appliedServices: [],
    startedAt,
    finishedAt: startedAt.replace(':00.000Z', ':01.000Z'),
    ...overrides,
  };
}

describe('GET /v1/optimizer/runs', () => {
  it('lists finished runs newest first as summaries, paged, and only those stored with a listing time', async () => {
    const runs = [
      run('opt-1', '2030-01-01T10:00:00.000Z'),
      run('opt-2', '2030-01-01T11:00:00.000Z', {
        status: 'applied',
        dryRun: false,
        appliedServices: ['api'],
        appliedMoves: [
          { service: 'api', replicaIndex: 0, fromNode: 'b1', toNode: 'a1', costDelta: -50, outcome: 'moved', pod: 'api-1', landedOn: 'a1' },
          { service: 'api', replicaIndex: 1, fromNode: 'b2', toNode: 'a2', costDelta: -20, outcome: 'blocked', pod: 'api-2' },
        ],
      }),
      run('opt-3', '2030-01-01T12:00:00.000Z', { status: 'failed', costBefore: undefined, costAfterPlan: undefined, moves: [], reason: 'no cluster' }),
    ];
    for (const r of runs) await app.store.putDocument(OPTIMIZER_DOC, r.id, r, null, OPTIMIZER_RUN_TTL_SECONDS, r.startedAt);
    // Stored the way runs were before the listing existed: readable by id, not listed.
    await app.store.putDocument(OPTIMIZER_DOC, 'opt-old', run('opt-old', '2030-01-01T13:00:00.000Z'), null, OPTIMIZER_RUN_TTL_SECONDS);

    const first = await get('/v1/optimizer/runs', { limit: '2' });
    expect(first.status).toBe(200);
    expect(first.body.items.map((r: { id: string }) => r.id)).toEqual(['opt-3', 'opt-2']);
    expect(first.body.items[0]).toEqual({
      id: 'opt-3',
      status: 'failed',
      dryRun: true,
      cluster: 'local',
      solver: 'ilp',
      solveStatus: 'optimal',
      gap: 0,
      solveTimeMs: 12,
      reason: 'no cluster',
      startedAt: '2030-01-01T12:00:00.000Z',
      finishedAt: '2030-01-01T12:00:01.000Z',
      moves: 0,
      frozen: 1,
    });
    expect(first.body.items[1]).toMatchObject({
      id: 'opt-2',
      status: 'applied',
      dryRun: false,
      costBefore: { dollarsPerMonth: 12, total: 100 },
      costAfterPlan: { dollarsPerMonth: 4, total: 30 },
      dollarsPerMonthSaved: 8,
      moves: 2,
      movedReplicas: 1,
    });
    expect(first.body.items[1]).not.toHaveProperty('appliedMoves');
    expect(first.body.nextCursor).toEqual(expect.any(String));

    const second = await get('/v1/optimizer/runs', { limit: '2', cursor: first.body.nextCursor });
    expect(second.body.items.map((r: { id: string }) => r.id)).toEqual(['opt-1']);
    expect(second.body.items[0]).not.toHaveProperty('movedReplicas');
    expect(second.body.nextCursor).toBeUndefined();

    // The whole run, moves included, by id (the listing's runs and the unlisted one alike).
    expect((await get('/v1/optimizer/runs/opt-2')).body.appliedMoves).toHaveLength(2);
    expect((await get('/v1/optimizer/runs/opt-old')).status).toBe(200);
  });

  it('answers 400 for a limit out of range or a cursor it did not give', async () => {
    expect((await get('/v1/optimizer/runs', { limit: '0' })).status).toBe(400);
    expect((await get('/v1/optimizer/runs', { cursor: 'nonsense' })).status).toBe(400);
  });
});

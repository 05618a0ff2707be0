import { describe, expect, it } from 'vitest';
import { OPTIMIZER_DOC, OptimizerRunRequest, runOptimizer, type OptimizerStore } from '../../../../lib/usecases/optimizer/run-optimizer.js';
import type { RolloutDeps } from '../../../../lib/usecases/shared/rollout-deps.js';
import { useTestStack } from '../../../support/local-stack.js';
import { FakeOptimizerWorld, type FakeClusterState } from './optimizer-fakes.js';
import { node, pod, RUNNING_ROLLOUT, service } from './placement-fixtures.js';

// The run reads and writes the real store (DynamoDB adapter on dynalite); clusters are hand-written fakes.
const stack = useTestStack();

/**
 * web (a1, zone-a) calls api (b1, zone-b) at 100 rps. b1 has room for api only, so the cheapest fix is
 * one move: api to a1, next to web (100 rps × 1.0 ms cross-zone → 100 × 0.05 ms same node, plus λ = 1).
 */
function chattyPair(overrides: { apiPlacement?: { runId: string; avoidNodes: string[] } } = {}): FakeOptimizerWorld {
  const world = new FakeOptimizerWorld(stack());
  world.addCluster('main', true, {
    nodes: [node('a1', 'zone-a'), node('a2', 'zone-a'), node('b1', 'zone-b', { allocatableCpuMillis: 100 }), node('b2', 'zone-b')],
    pods: [pod('web', 'a1'), pod('api', 'b1')],
  });
  world.addService(service('web', { replicas: 1, dependencies: [{ service: 'api', rps: 100 }] }));
  world.addService(service('api', { replicas: 1 }, overrides.apiPlacement ? { placement: overrides.apiPlacement } : {}));
  return world;
}

const request = (input: Record<string, unknown> = {}) => OptimizerRunRequest.parse(input);

describe('runOptimizer', () => {
  it('a dry run stores the plan and changes no service', async () => {
    const world = chattyPair();
    const run = await runOptimizer(world.deps(), request({ dryRun: true }));
    expect(run).toMatchObject({ status: 'planned', dryRun: true, cluster: 'main', solver: 'ilp', solveStatus: 'optimal', appliedServices: [], frozen: [] });
    expect(run.moves).toEqual([{ service: 'api', replicaIndex: 0, fromNode: 'b1', toNode: 'a1', costDelta: expect.any(Number) }]);
    expect(run.costBefore).toMatchObject({ communication: 100, latencyMsPerSecond: 100, meanLatencyMs: 1 });
    expect(run.costAfterPlan).toMatchObject({ communication: 5, total: 6, meanLatencyMs: 0.05 });
    expect((await world.service('api'))?.version).toBe(1);
    expect((await world.service('api'))?.placement).toBeUndefined();
    expect(await world.events()).toEqual([]);
    expect((await world.document(OPTIMIZER_DOC, run.id))?.value).toEqual(run);
    // Listed for GET /v1/optimizer/runs.
    expect((await world.store.listDocuments(OPTIMIZER_DOC, { limit: 10 })).items).toEqual([run]);
  });

  it('an applied run moves one pod per move: evicts it with the target node labelled, records where it landed, and audits it', async () => {
    const world = chattyPair({ apiPlacement: { runId: 'rem-1', avoidNodes: ['a2'] } });
    const apiPod = world.cluster.get('main')!.pods.find((p) => p.labels['meshplane.io/service'] === 'api')!.name;
    const webPod = world.cluster.get('main')!.pods.find((p) => p.labels['meshplane.io/service'] === 'web')!.name;
    const run = await runOptimizer(world.deps(), request());
    expect(run).toMatchObject({ status: 'applied', appliedServices: ['api'] });
    expect(run.appliedMoves).toEqual([
      expect.objectContaining({ service: 'api', fromNode: 'b1', toNode: 'a1', outcome: 'moved', pod: apiPod, landedOn: 'a1' }),
    ]);
    const cluster = world.cluster.get('main')!;
    // Exactly the one pod was restarted; web's pod is the same pod.
    expect(cluster.evicted).toEqual([apiPod]);
    expect(cluster.pods.map((p) => p.name)).toContain(webPod);
    // The move-target label was taken off again; the service records were not touched (no template change).
    expect(cluster.nodes.every((n) => !Object.keys(n.labels).some((k) => k.startsWith('placement.meshplane.io/')))).toBe(true);
    expect(await world.service('api')).toMatchObject({ version: 1, placement: { runId: 'rem-1', avoidNodes: ['a2'] } });
    expect(await world.events()).toEqual([expect.objectContaining({ service: 'api', type: 'Moved', data: { runId: run.id } })]);
    expect((await world.events())[0].message).toContain(`${apiPod} b1 → a1`);
    expect((await world.document(OPTIMIZER_DOC, run.id))?.value).toEqual(run);
  });

  it('a move its disruption budget refuses is reported as blocked and nothing is evicted', async () => {
    const world = chattyPair();
    const cluster = world.cluster.get('main')!;
    cluster.blockEvictions = cluster.pods.map((p) => p.name);
    const run = await runOptimizer(world.deps(), request());
    expect(run.appliedMoves).toEqual([expect.objectContaining({ service: 'api', outcome: 'blocked' })]);
    expect(run).toMatchObject({ status: 'nothingToDo', appliedServices: [] });
    expect(cluster.evicted).toBeUndefined();
    expect(cluster.nodes.every((n) => !Object.keys(n.labels).some((k) => k.startsWith('placement.meshplane.io/')))).toBe(true);
  });

  it('maxMoves 0 plans nothing and writes nothing', async () => {
    const world = chattyPair();
    const run = await runOptimizer(world.deps(), request({ maxMoves: 0 }));
    expect(run).toMatchObject({ status: 'nothingToDo', moves: [], remainingMoves: 1, appliedServices: [] });
    expect((await world.service('api'))?.version).toBe(1);
  });

  it('the heuristic is used when asked for; the run names the solver that produced the plan', async () => {
    const run = await runOptimizer(chattyPair().deps(), request({ dryRun: true, solver: 'heuristic' }));
    expect(run).toMatchObject({ solver: 'heuristic', status: 'planned' });
    expect(run.gap).toBeUndefined();
  });

  it('a service in a rollout stays in the model as a fixed pin: its traffic still draws its callers, and it is never moved', async () => {
    const world = new FakeOptimizerWorld(stack());
    world.addCluster('main', true, {
      nodes: [node('a1', 'zone-a'), node('b1', 'zone-b', { allocatableCpuMillis: 100 }), node('b2', 'zone-b')],
      pods: [pod('web', 'a1'), pod('api', 'b1')],
    });
    world.addService(service('web', { replicas: 1, dependencies: [{ service: 'api', rps: 100 }] }));
    world.addService(service('api', { replicas: 1 }, { traffic: RUNNING_ROLLOUT }));
    const run = await runOptimizer(world.deps(), request({ dryRun: true }));
    expect(run.frozen).toEqual([{ service: 'api', reason: expect.stringMatching(/rollout/) }]);
    // b1 holds only api, so web joins its zone on b2 (100 rps × 1.0 ms → × 0.2 ms).
    expect(run.moves.map((m) => [m.service, m.fromNode, m.toNode])).toEqual([['web', 'a1', 'b2']]);
  });

  it('a joint run plans placement and routing together and names the joint solver', async () => {
    const run = await runOptimizer(chattyPair().deps(), request({ dryRun: true, solver: 'joint', timeLimitMs: 20_000 }));
    expect(run).toMatchObject({ solver: 'joint-ilp', status: 'planned' });
    expect(run.moves.map((m) => [m.service, m.toNode])).toEqual([['api', 'a1']]);
    expect(run.gap).toBeDefined();
  });

  it('a service whose rollout starts between planning and applying is left alone and not reported as applied', async () => {
    const world = chattyPair();
    world.afterListing = async () => {
      const api = (await world.service('api'))!;
      const started = { ...api, version: api.version + 1, traffic: RUNNING_ROLLOUT };
      await world.store.commitServiceChange({ service: started, expectedVersion: api.version, events: [] });
    };
    const run = await runOptimizer(world.deps(), request());
    expect(run.moves.map((m) => m.service)).toEqual(['api']);
    expect(run.appliedServices).toEqual([]);
    expect(run.status).toBe('nothingToDo');
    expect(run.reason).toMatch(/started a rollout, was removed/);
    expect(run.appliedMoves).toEqual([expect.objectContaining({ service: 'api', outcome: 'skipped' })]);
    expect(world.cluster.get('main')!.evicted).toBeUndefined();
    expect((await world.service('api'))?.version).toBe(2);
    expect((await world.service('api'))?.placement).toBeUndefined();
    expect(await world.events()).toEqual([]);
  });

  it('a service deregistered between planning and applying is skipped, not a failed run', async () => {
    const world = chattyPair();
    world.afterListing = async () => {
      const api = (await world.service('api'))!;
      const deleted = { ...api, version: api.version + 1, phase: 'deleted' as const };
      await world.store.commitServiceChange({ service: deleted, expectedVersion: api.version, events: [] });
    };
    const run = await runOptimizer(world.deps(), request());
    expect(run.status).toBe('nothingToDo');
    expect(run.appliedServices).toEqual([]);
  });

  it('pods meshplane does not own take node capacity: a node full of them is not offered', async () => {
    // n2 is where web and api could meet, but 19 pods of someone else (50m each, assumed) fill it.
    const crowded = (foreignPods: number): FakeOptimizerWorld => {
      const world = new FakeOptimizerWorld(stack());
      const state: FakeClusterState = {
        nodes: [
          node('n1', 'zone-a', { allocatableCpuMillis: 100 }),
          node('n2', 'zone-a', { allocatableCpuMillis: 1000 }),
          node('n3', 'zone-b', { allocatableCpuMillis: 100 }),
        ],
        pods: [
          pod('web', 'n1'),
          pod('api', 'n3'),
          ...Array.from({ length: foreignPods }, () => pod(undefined, 'n2', { managed: false, namespace: 'kube-system' })),
        ],
      };
      world.addCluster('main', true, state);
      world.addService(service('web', { replicas: 1, dependencies: [{ service: 'api', rps: 100 }] }));
      world.addService(service('api', { replicas: 1 }));
      return world;
    };
    const empty = await runOptimizer(crowded(0).deps(), request({ dryRun: true }));
    expect(empty.moves.map((m) => m.toNode)).toEqual(['n2', 'n2']);
    const full = await runOptimizer(crowded(19).deps(), request({ dryRun: true }));
    expect(full).toMatchObject({ status: 'nothingToDo', moves: [] });
  });

  describe('observed traffic', () => {
    const withCallRates = (world: FakeOptimizerWorld, callRates: NonNullable<RolloutDeps['metrics']['callRates']>): RolloutDeps<OptimizerStore> => ({
      ...world.deps(),
      metrics: { workloadMetrics: async () => ({ requests: 0, errors: 0, errorRate: 0, p99LatencyMs: undefined }), callRates },
    });
    const observedRate = (from: string, to: string, rps: number) => ({ fromNamespace: 'default', from, toNamespace: 'default', to, rps });

    it('replaces the declared rates: web does not really call api, so nothing is worth moving', async () => {
      const world = chattyPair();
      const run = await runOptimizer(
        withCallRates(world, async () => [observedRate('web', 'api', 0)]),
        request({ trafficWindowSeconds: 120 }),
      );
      expect(run).toMatchObject({ status: 'nothingToDo', moves: [], traffic: { edges: 1, observedEdges: 1, windowSeconds: 120 } });
      expect(run.costBefore?.communication).toBe(0);
    });

    it('counts at the observed rate when it differs from the declared one', async () => {
      const run = await runOptimizer(
        withCallRates(chattyPair(), async () => [observedRate('web', 'api', 250)]),
        request({ dryRun: true }),
      );
      // 250 rps cross-zone at 1.0 ms instead of the declared 100.
      expect(run.costBefore).toMatchObject({ communication: 250, meanLatencyMs: 1 });
      expect(run.traffic).toEqual({ edges: 1, observedEdges: 1, windowSeconds: 600 });
    });

    it('falls back to the declared rates when the telemetry cannot be read, and says so', async () => {
      const run = await runOptimizer(
        withCallRates(chattyPair(), async () => {
          throw new Error('connection refused');
        }),
        request({ dryRun: true }),
      );
      expect(run).toMatchObject({ status: 'planned', costBefore: { communication: 100 } });
      expect(run.traffic).toEqual({ edges: 1, observedEdges: 0, windowSeconds: 600, unavailable: 'call rates could not be read: connection refused' });
    });
  });

  describe('which services a run considers', () => {
    /** main (default) runs web and api, which name no cluster; edge runs sensor, which names it. */
    function twoClusters(edgeIsDefault = false): FakeOptimizerWorld {
      const world = chattyPair();
      world.clusters[0].default = !edgeIsDefault;
      world.addCluster('edge', edgeIsDefault, { nodes: [node('e1', 'zone-e')], pods: [pod('sensor', 'e1')] });
      world.addService(service('sensor', { replicas: 1, cluster: 'edge' }));
      return world;
    }

    it.each([
      { name: 'the default cluster: services naming no cluster, not those naming another', cluster: undefined, movable: true, frozen: [] },
      { name: 'a named non-default cluster: only the services naming it', cluster: 'edge', movable: false, frozen: [] },
    ])('$name', async ({ cluster, movable, frozen }) => {
      const run = await runOptimizer(twoClusters().deps(), request({ dryRun: true, ...(cluster ? { cluster } : {}) }));
      expect(run.frozen).toEqual(frozen);
      // Only web/api have traffic, so a plan with moves means they were considered.
      expect(run.moves.length > 0).toBe(movable);
      expect(run.cluster).toBe(cluster ?? 'main');
    });

    it('the only registered cluster counts as the default even when not flagged', async () => {
      const world = chattyPair();
      world.clusters[0].default = false;
      const run = await runOptimizer(world.deps(), request({ dryRun: true }));
      expect(run.moves.map((m) => m.service)).toEqual(['api']);
    });
  });

  it.each([
    { name: 'no cluster registered', setup: (w: FakeOptimizerWorld) => w, input: {}, reason: /no cluster is registered/ },
    {
      name: 'an unknown cluster',
      setup: (w: FakeOptimizerWorld) => (w.addCluster('main', true, { nodes: [], pods: [] }), w),
      input: { cluster: 'mars' },
      reason: /cluster "mars" is not registered/,
    },
  ])('$name: the run fails, is stored, and says why', async ({ setup, input, reason }) => {
    const world = setup(new FakeOptimizerWorld(stack()));
    const run = await runOptimizer(world.deps(), request(input));
    expect(run.status).toBe('failed');
    expect(run.reason).toMatch(reason);
    expect((await world.document(OPTIMIZER_DOC, run.id))?.value).toEqual(run);
  });
});

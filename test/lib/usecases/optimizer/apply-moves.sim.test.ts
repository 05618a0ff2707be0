/**
 * Integration: applying optimizer moves on the simulated cluster through the real cluster adapter
 * (client-node over HTTP). Two chatty services are rendered as meshplane renders them (PDB, spread,
 * move-target preference), the heuristic plans moves towards co-location, and applyMoves evicts one pod
 * per move. Exactly one pod restarts per applied move; every other pod stays the same pod.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesClusterClientFactory } from '../../../../lib/adapters/kubernetes/kubernetes-cluster-client-factory.js';
import { renderService } from '../../../../lib/mesh/render-service.js';
import { ServiceSpec } from '../../../../lib/model/service-spec.js';
import { checkConstraints } from '../../../../lib/placement/constraints.js';
import { HeuristicSolver } from '../../../../lib/placement/heuristic-solver.js';
import type { Assignment, PlacementInstanceInput } from '../../../../lib/placement/model.js';
import { planMoves } from '../../../../lib/placement/move-plan.js';
import type { ClusterClient, PodInfo } from '../../../../lib/ports/cluster-client.js';
import { type SimCluster, startSimCluster } from '../../../../lib/sim/index.js';
import { applyMoves, type AppliedMove } from '../../../../lib/usecases/optimizer/apply-moves.js';

let sim: SimCluster;
let client: ClusterClient;

const specs = [
  ServiceSpec.parse({ name: 'web', image: 'registry.example.com/web:1', port: 8080, replicas: 3, dependencies: [{ service: 'api', rps: 500 }] }),
  ServiceSpec.parse({ name: 'api', image: 'registry.example.com/api:1', port: 8080, replicas: 3 }),
];

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const stablePods = async (): Promise<PodInfo[]> => (await client.listPods('default')).filter((p) => p.labels['meshplane.io/service'] && p.node);
const placement = (pods: PodInfo[]): Assignment => {
  const out: Assignment = {};
  for (const s of specs)
    out[s.name] = pods
      .filter((p) => p.labels['meshplane.io/service'] === s.name)
      .map((p) => p.node!)
      .sort();
  return out;
};

beforeAll(async () => {
  sim = await startSimCluster({ readyDelayMs: 200, reconcileIntervalMs: 20, nodesPerZone: 2 });
  client = await new KubernetesClusterClientFactory({ retryPolicy: { maxAttempts: 2 } }).forCluster({
    id: 'sim',
    default: true,
    target: { kind: 'simulated', url: sim.url },
  });
  for (const spec of specs) await client.apply(renderService(spec, { revision: 1, callers: [], dependencies: [] }));
  await eventually(stablePods, (p) => p.filter((x) => x.ready).length === 6);
}, 60_000);

afterAll(async () => {
  await sim?.stop();
});

describe('applyMoves on the simulated cluster', () => {
  let applied: AppliedMove[];
  let before: PodInfo[];

  it('restarts exactly one pod per applied move, keeps every other pod, and never breaks the availability rule', async () => {
    before = await stablePods();
    const nodes = await client.listNodes();
    const instance: PlacementInstanceInput = {
      services: specs.map((s) => ({ name: s.name, replicas: s.replicas, cpu: s.resources.cpu, memory: s.resources.memory })),
      nodes: nodes.map((n) => ({ id: n.name, zone: n.zone, cpu: n.allocatableCpuMillis, memory: n.allocatableMemoryMiB })),
      traffic: [{ from: 'web', to: 'api', rps: 500 }],
      current: placement(before),
    };
    const target = await new HeuristicSolver().solve(instance, { seed: 1, timeLimitMs: 2_000 });
    const plan = planMoves(instance, placement(before), target.assignment!, 10);
    expect(plan.moves.length).toBeGreaterThan(0);
    applied = await applyMoves(client, plan.moves, () => 'default', {
      deadline: Date.now() + 60_000,
      now: () => Date.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      pollMs: 50,
    });
    const done = applied.filter((m) => m.outcome === 'moved' || m.outcome === 'landedElsewhere');
    expect(done.length).toBeGreaterThan(0);
    const after = await eventually(stablePods, (p) => p.filter((x) => x.ready).length === 6);
    const beforeNames = new Set(before.map((p) => p.name));
    const afterNames = new Set(after.map((p) => p.name));
    const gone = [...beforeNames].filter((n) => !afterNames.has(n)).sort();
    expect(gone).toEqual(done.map((m) => m.pod!).sort());
    expect([...afterNames].filter((n) => !beforeNames.has(n)).length).toBe(done.length);
    // Where replacements land is reported, not asserted: the soft zone spread can outweigh the move-target preference.
    for (const m of done) expect(m.landedOn).toBeDefined();
    // The end state keeps capacity, spread and the node limit (one of 3 replicas per node).
    expect(checkConstraints(instance, placement(after))).toEqual([]);
    // The move-target labels are gone again.
    expect((await client.listNodes()).every((n) => !Object.keys(n.labels).some((k) => k.startsWith('placement.meshplane.io/')))).toBe(true);
    console.log(
      JSON.stringify({
        case: 'apply-moves-sim',
        moves: plan.moves.length,
        applied: done.length,
        podsRestartedPerMove: gone.length / done.length,
        landedAsPlanned: done.filter((m) => m.landedOn === m.toNode).length,
      }),
    );
  }, 120_000);
});

/** Small seeded instances and an exhaustive search, shared by the placement tests. */
import { compileInstance, type CompiledInstance } from '../../../lib/placement/compiled-instance.js';
import { checkConstraints } from '../../../lib/placement/constraints.js';
import { evaluate } from '../../../lib/placement/cost.js';
import type { Assignment, PlacementInstanceInput } from '../../../lib/placement/model.js';
import { createRandom } from '../../../lib/placement/random.js';

export interface TinyOptions {
  withMigration?: boolean;
  withRisk?: boolean;
  withPins?: boolean;
  twoClusters?: boolean;
  egress?: boolean;
}

/** 3 services (1–2 replicas), 4 nodes in 2 zones, random traffic and capacities that sometimes bind. */
export function tinyInstance(seed: number, options: TinyOptions = {}): PlacementInstanceInput {
  const random = createRandom(seed);
  const nodes = [0, 1, 2, 3].map((n) => ({
    id: `n${n}`,
    zone: n < 2 ? 'a' : 'b',
    cluster: options.twoClusters && n === 3 ? 'west' : 'east',
    cpu: 200 + 100 * random.int(3),
    memory: 1000,
    risk: options.withRisk ? Math.round(random.next() * 10) / 10 : 0,
  }));
  const services = ['s0', 's1', 's2'].map((name) => ({
    name,
    replicas: 1 + random.int(2),
    cpu: 100,
    memory: 100,
    ...(options.withPins && random.next() < 0.4 ? { excludedNodes: [`n${random.int(4)}`] } : {}),
  }));
  const traffic = [
    { from: 's0', to: 's1', rps: 10 + random.int(90) },
    { from: 's1', to: 's2', rps: 10 + random.int(90) },
    ...(random.next() < 0.5 ? [{ from: 's2', to: 's0', rps: 1 + random.int(50) }] : []),
  ];
  const instance: PlacementInstanceInput = { services, nodes, traffic, objective: options.egress ? 'egress' : 'latency' };
  if (options.withMigration) {
    instance.migrationCost = 2 + random.int(20);
    instance.current = Object.fromEntries(services.map((s) => [s.name, Array.from({ length: s.replicas }, (_, i) => `n${(i * 2 + random.int(2)) % 4}`)]));
  }
  if (options.withRisk) instance.riskWeight = 5 + random.int(20);
  return instance;
}

/** Every assignment of replicas to nodes (N^R); only for tiny instances. */
export function* allAssignments(c: CompiledInstance): Generator<Assignment> {
  const R = c.replicaCount;
  const N = c.nodeCount;
  const digits = new Int32Array(R);
  for (;;) {
    const assignment: Assignment = {};
    for (let s = 0; s < c.serviceCount; s++)
      assignment[c.instance.services[s].name] = Array.from({ length: c.replicas[s] }, (_, i) => c.instance.nodes[digits[c.replicaStart[s] + i]].id);
    yield assignment;
    let i = 0;
    while (i < R && ++digits[i] === N) digits[i++] = 0;
    if (i === R) return;
  }
}

/** Lowest total cost over all feasible assignments (Infinity when none is feasible). */
export function bruteForceOptimum(instance: PlacementInstanceInput): number {
  const c = compileInstance(instance);
  let best = Infinity;
  for (const a of allAssignments(c)) if (checkConstraints(c, a).length === 0) best = Math.min(best, evaluate(c, a).total);
  return best;
}

/**
 * A service fixed mid-rollout (`frozen`, two replicas on one node: more than the node limit would allow
 * a movable service, kept as it runs) between a caller and a callee the solvers may move.
 */
export const FROZEN_SERVICE_INSTANCE: PlacementInstanceInput = {
  services: [
    { name: 'frozen', replicas: 3, cpu: 100, memory: 100, fixed: true },
    { name: 'api', replicas: 3, cpu: 100, memory: 100 },
    { name: 'db', replicas: 1, cpu: 100, memory: 100 },
  ],
  nodes: ['a1', 'a2', 'b1', 'b2', 'c1'].map((id) => ({ id, zone: id[0], cpu: 1000, memory: 1000 })),
  traffic: [
    { from: 'api', to: 'frozen', rps: 200 },
    { from: 'frozen', to: 'db', rps: 100 },
  ],
  current: { frozen: ['a1', 'a1', 'b2'] },
};

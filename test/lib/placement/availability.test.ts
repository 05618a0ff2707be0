import { describe, expect, it } from 'vitest';
import { defaultMaxPerNode, maxNodeShare } from '../../../lib/placement/availability.js';
import { FirstFitBaseline, KubeSchedulerBaseline, RandomBaseline } from '../../../lib/placement/baselines.js';
import { compileInstance, toNodeVector } from '../../../lib/placement/compiled-instance.js';
import { checkConstraints } from '../../../lib/placement/constraints.js';
import { HeuristicSolver } from '../../../lib/placement/heuristic-solver.js';
import { IlpSolver } from '../../../lib/placement/ilp-solver.js';
import { generateInstance } from '../../../lib/placement/instance-generator.js';
import type { Assignment, PlacementInstanceInput } from '../../../lib/placement/model.js';
import { planMoves } from '../../../lib/placement/move-plan.js';
import type { Solver } from '../../../lib/placement/solver.js';

describe('the node-level availability limit', () => {
  it.each([
    [1, 1],
    [2, 1],
    [3, 1],
    [4, 1],
    [5, 1],
    [6, 2],
    [8, 2],
    [9, 3],
    [10, 3],
  ])('%i replicas: at most %i per node by default, never more than a third from 3 replicas on', (replicas, limit) => {
    expect(defaultMaxPerNode(replicas, 1 / 3)).toBe(limit);
    if (replicas >= 3) expect(limit / replicas).toBeLessThanOrEqual(1 / 3);
  });

  const stacked: PlacementInstanceInput = {
    services: [
      { name: 'web', replicas: 6, cpu: 100, memory: 100 },
      { name: 'db', replicas: 3, cpu: 100, memory: 100, maxPerNode: 3 },
    ],
    nodes: ['a', 'a', 'b', 'b'].map((zone, i) => ({ id: `n${i}`, zone, cpu: 4000, memory: 4000 })),
    traffic: [{ from: 'web', to: 'db', rps: 100 }],
  };

  it('reports a node holding more than its share, and honours a per-service override and a global share', () => {
    const placement = { web: ['n0', 'n0', 'n0', 'n2', 'n2', 'n3'], db: ['n0', 'n0', 'n2'] };
    // web: 6 replicas, 2 per node; db may put all 3 on one node (its own maxPerNode).
    expect(checkConstraints(stacked, placement)).toEqual([expect.objectContaining({ kind: 'nodeShare', service: 'web', node: 'n0', replicas: 3, limit: 2 })]);
    expect(checkConstraints({ ...stacked, availability: { maxNodeShare: 0.5 } }, placement)).toEqual([]);
  });

  it('gives way to a pin that leaves too few nodes (spread as evenly as the pin allows)', () => {
    const pinned = { ...stacked, services: [{ name: 'web', replicas: 6, cpu: 100, memory: 100, allowedNodes: ['n0', 'n2'] }], traffic: [] };
    expect(compileInstance(pinned).maxPerNode[0]).toBe(3);
  });

  const solvers: Solver[] = [new HeuristicSolver(), new KubeSchedulerBaseline(), new FirstFitBaseline(), new RandomBaseline()];
  it.each(solvers.flatMap((solver) => [1, 2, 3].map((seed) => ({ name: solver.name, solver, seed }))))(
    '$name keeps at most a third of a service on one node (seed $seed)',
    async ({ solver, seed }) => {
      // Many replicas per service and chatty pairs: stacking would pay, so only the rule prevents it.
      const instance = generateInstance({ services: 30, nodes: 12, seed, meanReplicas: 6, utilisation: 0.5 });
      const result = await solver.solve(instance, { seed, timeLimitMs: 5_000 });
      expect(result.assignment).not.toBeNull();
      expect(checkConstraints(instance, result.assignment!)).toEqual([]);
      const c = compileInstance(instance);
      expect(maxNodeShare(c, toNodeVector(c, result.assignment!))).toBeLessThanOrEqual(1 / 3);
    },
  );

  it('the ILP keeps it too', async () => {
    const instance = generateInstance({ services: 6, nodes: 6, seed: 3, meanReplicas: 5 });
    const result = await new IlpSolver().solve(instance, { timeLimitMs: 15_000, seed: 1 });
    expect(checkConstraints(instance, result.assignment!)).toEqual([]);
    const c = compileInstance(instance);
    expect(maxNodeShare(c, toNodeVector(c, result.assignment!))).toBeLessThanOrEqual(1 / 3);
  });

  it('the move planner never breaks it on the way, and never makes a stacked service worse', async () => {
    const instance = generateInstance({ services: 30, nodes: 12, seed: 4, meanReplicas: 6, utilisation: 0.5 });
    const c = compileInstance(instance);
    // Start from a placement that stacks every service as the old optimizer did: take first-fit without the rule.
    const loose = { ...instance, availability: { maxNodeShare: 1 } };
    const from = (await new FirstFitBaseline().solve(loose)).assignment!;
    const to = (await new HeuristicSolver().solve(instance, { seed: 1, effort: 2_000_000 })).assignment!;
    const plan = planMoves(instance, from, to, 10_000);
    const state: Assignment = structuredClone(from);
    const perNodeWorst = (a: Assignment, service: string): number => Math.max(...Object.values(countBy(a[service])));
    for (const move of plan.moves) {
      const before = perNodeWorst(state, move.service);
      state[move.service][move.replicaIndex] = move.toNode;
      const onTarget = state[move.service].filter((n) => n === move.toNode).length;
      // The arriving replica never pushes its target node over the limit…
      expect(onTarget).toBeLessThanOrEqual(Math.max(c.maxPerNode[c.serviceIndex.get(move.service)!], 0));
      // …so a service's worst node never gets worse.
      expect(perNodeWorst(state, move.service)).toBeLessThanOrEqual(before);
    }
    expect(maxNodeShare(c, toNodeVector(c, from))).toBeGreaterThan(1 / 3);
    expect(plan.moves.length).toBeGreaterThan(0);
  });
});

function countBy(nodes: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of nodes) out[n] = (out[n] ?? 0) + 1;
  return out;
}

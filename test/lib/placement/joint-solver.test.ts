import { describe, expect, it } from 'vitest';
import { RoutingDecision } from '../../../lib/model/locality-routing.js';
import { maxNodeShare } from '../../../lib/placement/availability.js';
import { FirstFitBaseline, KubeSchedulerBaseline } from '../../../lib/placement/baselines.js';
import { compileInstance, toNodeVector } from '../../../lib/placement/compiled-instance.js';
import { checkConstraints, checkVector } from '../../../lib/placement/constraints.js';
import { HeuristicSolver, type HeuristicOptions } from '../../../lib/placement/heuristic-solver.js';
import { IlpSolver } from '../../../lib/placement/ilp-solver.js';
import { generateInstance } from '../../../lib/placement/instance-generator.js';
import { JointIlpSolver } from '../../../lib/placement/joint-ilp-solver.js';
import { HEURISTIC_SHARE, JointHeuristicSolver, WORK_PER_EVAL } from '../../../lib/placement/joint-solver.js';
import { jointPerEdgeLowerBound } from '../../../lib/placement/lower-bound.js';
import type { PlacementInstanceInput } from '../../../lib/placement/model.js';
import { evaluateRouted, type RoutedCost } from '../../../lib/placement/routing.js';
import type { Solver } from '../../../lib/placement/solver.js';
import { allAssignments, bruteForceOptimum, FROZEN_SERVICE_INSTANCE, tinyInstance } from './fixtures.js';

// Effort budgets (not the clock) end these runs, so results do not depend on machine load.
const OPTIONS = { seed: 3, timeLimitMs: 120_000, effort: 3_000 };

describe('JointHeuristicSolver', () => {
  it('keeps the node limit, zone spread, capacity and the zone load cap, and returns the routing its cost is for', async () => {
    const c = compileInstance(generateInstance({ services: 30, nodes: 12, seed: 5, meanReplicas: 4 }));
    const result = await new JointHeuristicSolver().solve(c, OPTIONS);
    const vector = toNodeVector(c, result.assignment!);
    expect(checkVector(c, vector)).toEqual([]);
    expect(maxNodeShare(c, vector)).toBeLessThanOrEqual(1 / 3 + 1e-9);
    expect(RoutingDecision.safeParse(result.routing).success).toBe(true);
    const cost = evaluateRouted(c, vector, result.routing!);
    expect(cost.maxZoneLoad).toBeLessThanOrEqual(c.instance.routing.zoneLoadCap + 1e-9);
    expect(result.cost!.total).toBeCloseTo(cost.total, 9);

    // Never worse than kube-scheduler's or the placement heuristic's placement (with the effort the joint
    // search gives it) with same-zone routing.
    const options: HeuristicOptions = { seed: 3, timeLimitMs: 120_000, effort: HEURISTIC_SHARE * OPTIONS.effort * WORK_PER_EVAL };
    for (const solver of [new KubeSchedulerBaseline(), new HeuristicSolver()]) {
      const other = await solver.solve(c, options);
      expect(cost.total).toBeLessThanOrEqual(evaluateRouted(c, toNodeVector(c, other.assignment!), 'preferSameZone').total + 1e-9);
    }
  });

  it('gives the same placement and routing for the same seed', async () => {
    const instance = generateInstance({ services: 25, nodes: 9, seed: 8 });
    const first = await new JointHeuristicSolver().solve(instance, OPTIONS);
    const second = await new JointHeuristicSolver().solve(instance, OPTIONS);
    expect(second.assignment).toEqual(first.assignment);
    expect(second.routing).toEqual(first.routing);
    expect(second.cost!.total).toBe(first.cost!.total);
  });
});

describe('JointIlpSolver', () => {
  it.each([1, 2, 3, 4, 5, 6])('bounds the best placement with its best routing from below on a tiny instance (seed %i)', async (seed) => {
    const instance = tinyInstance(seed, { withRisk: seed % 2 === 0, twoClusters: seed % 3 === 0, withMigration: seed === 5 });
    const c = compileInstance(instance);
    // Same-zone first under the cap is the best routing for a fixed placement, so this is the joint optimum.
    let optimum = Infinity;
    for (const assignment of allAssignments(c))
      if (checkConstraints(c, assignment).length === 0) optimum = Math.min(optimum, evaluateRouted(c, toNodeVector(c, assignment), 'preferSameZone').total);
    expect(jointPerEdgeLowerBound(c)).toBeLessThanOrEqual(optimum + 1e-9);
    const result = await new JointIlpSolver().solve(c, { seed: 1, timeLimitMs: 60_000 });
    expect(result.bound!).toBeLessThanOrEqual(optimum + 1e-9);
    expect(result.bound!).toBeGreaterThanOrEqual(jointPerEdgeLowerBound(c) - 1e-9);
    expect(result.cost!.total).toBeGreaterThanOrEqual(optimum - 1e-9);
    expect(result.gap!).toBeCloseTo((result.cost!.total - result.bound!) / result.cost!.total, 9);
  });
});

describe('fixed services (mid-rollout pins)', () => {
  const instance = FROZEN_SERVICE_INSTANCE;

  it.each<[string, () => Solver]>([
    ['joint-heuristic', () => new JointHeuristicSolver()],
    ['joint-ilp', () => new JointIlpSolver()],
    ['heuristic', () => new HeuristicSolver()],
    ['ilp', () => new IlpSolver()],
    ['kube-scheduler', () => new KubeSchedulerBaseline()],
    ['first-fit', () => new FirstFitBaseline()],
  ])('%s keeps a fixed service exactly where it runs, and its traffic counts', async (_name, make) => {
    const result = await make().solve(instance, { ...OPTIONS, timeLimitMs: 60_000 });
    expect([...result.assignment!.frozen].sort()).toEqual(['a1', 'a1', 'b2']);
    expect(checkConstraints(instance, result.assignment!)).toEqual([]);
    expect((result.cost as RoutedCost | null)?.communication ?? result.cost!.communication).toBeGreaterThan(0);
  });

  it.each([1, 2, 3, 4, 5])('the ILP prices a fixed service exactly (its counts are constants): it matches exhaustive search (seed %i)', async (seed) => {
    const tiny = tinyInstance(seed, { twoClusters: seed === 3 });
    const replicas = tiny.services[0].replicas;
    const pinned: PlacementInstanceInput = {
      ...tiny,
      services: tiny.services.map((s, i) => (i === 0 ? { ...s, fixed: true } : s)),
      current: { s0: replicas === 1 ? ['n1'] : ['n1', 'n2'] },
    };
    const optimum = bruteForceOptimum(pinned);
    const result = await new IlpSolver().solve(pinned, { seed: 1, timeLimitMs: 60_000 });
    if (optimum === Infinity) expect(result.assignment).toBeNull();
    else expect(result.cost!.total).toBeCloseTo(optimum, 6);
  });

  it('a placement that moves a fixed replica breaks a constraint', () => {
    const violations = checkConstraints(instance, { frozen: ['a1', 'b2', 'b2'], api: ['a2', 'b1', 'c1'], db: ['c1'] });
    expect(violations.map((v) => v.kind)).toEqual(['fixed']);
  });

  it('needs the current placement of every replica', () => {
    expect(() => compileInstance({ ...instance, current: { frozen: ['a1'] } })).toThrow(/fixed service needs current to list all 3 replicas/);
  });
});

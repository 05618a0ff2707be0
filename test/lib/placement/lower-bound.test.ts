import { describe, expect, it } from 'vitest';
import { compileInstance } from '../../../lib/placement/compiled-instance.js';
import { checkConstraints } from '../../../lib/placement/constraints.js';
import { evaluate } from '../../../lib/placement/cost.js';
import { IlpSolver } from '../../../lib/placement/ilp-solver.js';
import { generateInstance } from '../../../lib/placement/instance-generator.js';
import { mostCoLocatedPairs, perEdgeLowerBound } from '../../../lib/placement/lower-bound.js';
import { allAssignments, tinyInstance } from './fixtures.js';

describe('mostCoLocatedPairs', () => {
  it.each([
    [3, 2, 3, 2, 5], // zones: 2+1 against 2+1
    [4, 1, 4, 1, 4], // one per node each: 4 shared nodes
    [6, 2, 3, 1, 6],
    [1, 1, 5, 4, 4],
  ])('%i replicas (≤ %i per group) with %i (≤ %i): %i pairs', (rx, capX, ry, capY, pairs) => {
    expect(mostCoLocatedPairs(rx, capX, ry, capY)).toBe(pairs);
  });
});

describe('perEdgeLowerBound', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('is at most the cost of every valid placement of a tiny instance (seed %i)', (seed) => {
    const instance = tinyInstance(seed, { withRisk: seed % 2 === 0, twoClusters: seed % 3 === 0 });
    const c = compileInstance(instance);
    const bound = perEdgeLowerBound(c);
    let best = Infinity;
    for (const assignment of allAssignments(c)) {
      if (checkConstraints(c, assignment).length > 0) continue;
      best = Math.min(best, evaluate(c, assignment).total);
    }
    if (best < Infinity) expect(bound).toBeLessThanOrEqual(best + 1e-9);
    expect(bound).toBeGreaterThan(0);
  });

  it('the ILP reports a bound no weaker than it', async () => {
    const instance = generateInstance({ services: 12, nodes: 9, seed: 2, meanReplicas: 4 });
    const c = compileInstance(instance);
    const result = await new IlpSolver().solve(c, { timeLimitMs: 3_000, seed: 1 });
    expect(result.bound!).toBeGreaterThanOrEqual(perEdgeLowerBound(c) - 1e-9);
    expect(result.bound!).toBeLessThanOrEqual(result.cost!.total + 1e-9);
  });
});

import { describe, expect, it } from 'vitest';
import { KubeSchedulerBaseline } from '../../../lib/placement/baselines.js';
import { checkConstraints } from '../../../lib/placement/constraints.js';
import { evaluate } from '../../../lib/placement/cost.js';
import { HeuristicSolver } from '../../../lib/placement/heuristic-solver.js';
import { generateInstance } from '../../../lib/placement/instance-generator.js';
import type { Assignment, PlacementInstanceInput } from '../../../lib/placement/model.js';
import { planMoves } from '../../../lib/placement/move-plan.js';

function apply(
  from: Assignment,
  moves: { service: string; replicaIndex: number; fromNode: string; toNode: string }[],
  each?: (a: Assignment) => void,
): Assignment {
  const state: Assignment = structuredClone(from);
  for (const m of moves) {
    expect(state[m.service][m.replicaIndex]).toBe(m.fromNode);
    state[m.service][m.replicaIndex] = m.toNode;
    each?.(state);
  }
  return state;
}

describe('planMoves', () => {
  it.each([1, 2, 3])('keeps every intermediate state valid, respects the limit and lowers cost (seed %i)', async (seed) => {
    const instance = generateInstance({ services: 60, nodes: 18, seed, utilisation: 0.7 });
    const from = (await new KubeSchedulerBaseline().solve(instance)).assignment!;
    const to = (await new HeuristicSolver().solve(instance, { seed, effort: 2_000_000 })).assignment!;
    for (const limit of [0, 1, 5, 20, 10_000]) {
      const plan = planMoves(instance, from, to, limit);
      expect(plan.moves.length).toBeLessThanOrEqual(limit);
      const end = apply(from, plan.moves, (state) => expect(checkConstraints(instance, state)).toEqual([]));
      expect(end).toEqual(plan.assignment);
      expect(plan.after.total).toBeCloseTo(evaluate(instance, end).total, 6);
      expect(plan.after.total).toBeLessThanOrEqual(plan.before.total + 1e-9);
    }
  });

  it('puts the biggest savings first', async () => {
    const instance = generateInstance({ services: 60, nodes: 18, seed: 4 });
    const from = (await new KubeSchedulerBaseline().solve(instance)).assignment!;
    const to = (await new HeuristicSolver().solve(instance, { seed: 4, effort: 2_000_000 })).assignment!;
    const full = planMoves(instance, from, to, 10_000);
    const five = planMoves(instance, from, to, 5);
    // The first five moves of a long plan save at least as much as any later stretch of five on average.
    const firstFive = five.before.total - five.after.total;
    const average = (full.before.total - full.after.total) / full.moves.length;
    expect(firstFive / 5).toBeGreaterThanOrEqual(average);
    expect(five.moves).toEqual(full.moves.slice(0, 5));
  });

  it('reaches the target when nothing blocks it, moving only replicas that must move', async () => {
    const instance: PlacementInstanceInput = {
      services: [
        { name: 'a', replicas: 2, cpu: 100, memory: 100 },
        { name: 'b', replicas: 1, cpu: 100, memory: 100 },
      ],
      nodes: ['n1', 'n2', 'n3'].map((id, i) => ({ id, zone: i === 2 ? 'z2' : 'z1', cpu: 1000, memory: 1000 })),
      traffic: [{ from: 'a', to: 'b', rps: 10 }],
    };
    // a's replicas are interchangeable: [n3, n2] → [n1, n3] needs only n2 → n1.
    const plan = planMoves(instance, { a: ['n3', 'n2'], b: ['n1'] }, { a: ['n1', 'n3'], b: ['n1'] }, 10);
    expect(plan.moves).toEqual([{ service: 'a', replicaIndex: 1, fromNode: 'n2', toNode: 'n1', costDelta: expect.any(Number) }]);
    expect(plan.remaining).toBe(0);
  });

  it('reports two replicas that would have to trade places on full nodes as blocked', () => {
    const instance: PlacementInstanceInput = {
      services: [
        { name: 'a', replicas: 1, cpu: 100, memory: 100 },
        { name: 'b', replicas: 1, cpu: 100, memory: 100 },
        { name: 'c', replicas: 1, cpu: 100, memory: 100 },
      ],
      nodes: [
        { id: 'n1', zone: 'z1', cpu: 100, memory: 100 },
        { id: 'n2', zone: 'z2', cpu: 200, memory: 200 },
      ],
      traffic: [{ from: 'a', to: 'c', rps: 10 }],
    };
    const plan = planMoves(instance, { a: ['n1'], b: ['n2'], c: ['n2'] }, { a: ['n2'], b: ['n1'], c: ['n2'] }, 10);
    expect(plan.moves).toEqual([]);
    expect(plan.blocked).toBe(2);
    expect(plan.after.total).toBe(plan.before.total);
  });

  it('rejects a negative move limit', () => {
    expect(() => planMoves({ services: [], nodes: [] }, {}, {}, -1)).toThrow(/maxMoves/);
  });
});

import { describe, expect, it } from 'vitest';
import { checkConstraints } from '../../../lib/placement/constraints.js';
import { IlpSolver } from '../../../lib/placement/ilp-solver.js';
import { bruteForceOptimum, tinyInstance, type TinyOptions } from './fixtures.js';

const variants: { name: string; options: TinyOptions }[] = [
  { name: 'plain', options: {} },
  { name: 'with moves priced', options: { withMigration: true } },
  { name: 'with node risk', options: { withRisk: true } },
  { name: 'with exclusions and two clusters', options: { withPins: true, twoClusters: true } },
  { name: 'with the egress objective', options: { egress: true, twoClusters: true } },
];

describe('IlpSolver', () => {
  const solver = new IlpSolver();
  // Without the heuristic's start, the answer and its bound come from the formulation alone.
  const coldSolver = new IlpSolver({ warmStart: false });
  const cases = variants.flatMap((v) => [1, 2, 3].flatMap((seed) => [true, false].map((warm) => ({ ...v, seed, warm }))));

  it.each(cases)('matches exhaustive search: $name, seed $seed, warm start $warm', async ({ options, seed, warm }) => {
    const solver = warm ? new IlpSolver() : coldSolver;
    const instance = tinyInstance(seed, options);
    const optimum = bruteForceOptimum(instance);
    const result = await solver.solve(instance, { timeLimitMs: 20_000, seed });
    if (optimum === Infinity) {
      expect(result.status).toBe('infeasible');
      return;
    }
    expect(result.status).toBe('optimal');
    expect(result.cost!.total).toBeCloseTo(optimum, 6);
    expect(result.bound!).toBeCloseTo(optimum, 4);
    expect(result.gap!).toBeLessThan(1e-5);
    expect(checkConstraints(instance, result.assignment!)).toEqual([]);
  });

  it('proves infeasibility when replicas cannot fit', async () => {
    const instance = tinyInstance(1);
    instance.services[0] = { ...instance.services[0], cpu: 10_000 };
    const result = await solver.solve(instance, { timeLimitMs: 10_000 });
    expect(result.status).toBe('infeasible');
    expect(result.assignment).toBeNull();
  });
});

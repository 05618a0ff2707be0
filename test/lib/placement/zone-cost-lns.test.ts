import { describe, expect, it } from 'vitest';
import { KubeSchedulerBaseline } from '../../../lib/placement/baselines.js';
import { compileInstance, toNodeVector, type CompiledInstance } from '../../../lib/placement/compiled-instance.js';
import { checkVector } from '../../../lib/placement/constraints.js';
import { loadHighs } from '../../../lib/placement/ilp-solver.js';
import { generateInstance } from '../../../lib/placement/instance-generator.js';
import { placeCounts } from '../../../lib/placement/joint-solver.js';
import { ZoneModel } from '../../../lib/placement/joint-zone-model.js';
import type { PlacementInstanceInput } from '../../../lib/placement/model.js';
import { zoneCountsOf } from '../../../lib/placement/routing.js';
import { improveZoneCounts } from '../../../lib/placement/zone-cost-lns.js';
import { zoneCostInstance } from '../../../lib/placement/zone-cost-mip.js';
import { FROZEN_SERVICE_INSTANCE, tinyInstance } from './fixtures.js';

async function kubeStart(c: CompiledInstance): Promise<Int32Array> {
  return toNodeVector(c, (await new KubeSchedulerBaseline().solve(c)).assignment!);
}

/** The zone cost (cross-zone calls under locality routing, same-node priced as same-zone) of counts. */
function zoneCost(c: CompiledInstance, counts: Int32Array): number {
  return new ZoneModel(zoneCostInstance(c, 1)!, counts).total;
}

const frozen = FROZEN_SERVICE_INSTANCE;

describe('zone-cost LNS (zone counts re-optimised a neighbourhood at a time)', () => {
  it.each<[string, () => PlacementInstanceInput]>([
    ['generated 20 services on 9 nodes', () => generateInstance({ services: 20, nodes: 9, seed: 2 })],
    ['generated 40 services on 12 nodes, 4 replicas on average', () => generateInstance({ services: 40, nodes: 12, seed: 3, meanReplicas: 4 })],
    ['tiny, with pins', () => tinyInstance(2, { withPins: true })],
    ['tiny, two clusters', () => tinyInstance(3, { twoClusters: true })],
    ['tiny, with moves priced', () => tinyInstance(4, { withMigration: true })],
    ['a fixed service', () => frozen],
  ])('is never worse than its start, and its counts come with a valid packing (%s)', async (_name, make) => {
    const c = compileInstance(make());
    const start = await kubeStart(c);
    const lns = improveZoneCounts(c, await loadHighs(), { start, deadline: performance.now() + 60_000, seed: 1, patience: 3 });
    expect(lns).not.toBeNull();
    expect(lns!.cost).toBeLessThanOrEqual(lns!.startCost + 1e-9);
    // Small instances: the neighbourhood grows to every service and HiGHS solves it within the minute.
    expect(lns!.optimal).toBe(true);
    expect(checkVector(c, lns!.packing)).toEqual([]);
    expect(Array.from(zoneCountsOf(c, lns!.packing))).toEqual(Array.from(lns!.counts));
    // The MIP's objective is the zone cost (one cluster: exactly; its routing may only do better per caller).
    expect(zoneCost(c, lns!.counts)).toBeLessThanOrEqual(zoneCost(c, zoneCountsOf(c, start)) + 1e-6);
    const placed = await placeCounts(c, lns!.counts, 'zone-cost LNS', { seed: 1, timeLimitMs: 60_000, start: lns!.packing });
    expect(placed).not.toBeNull();
    expect(checkVector(c, placed!.vector)).toEqual([]);
  });

  it('improves a spread start on a generated instance, and stops at once when the deadline has passed', async () => {
    const c = compileInstance(generateInstance({ services: 30, nodes: 12, seed: 4 }));
    const start = await kubeStart(c);
    const highs = await loadHighs();
    const lns = improveZoneCounts(c, highs, { start, deadline: performance.now() + 60_000, seed: 2, patience: 3 });
    expect(lns!.improvements).toBeGreaterThan(0);
    expect(lns!.cost).toBeLessThan(lns!.startCost);
    const none = improveZoneCounts(c, highs, { start, deadline: performance.now() - 1, seed: 2 });
    expect(none!.iterations).toBe(0);
    expect(Array.from(none!.counts)).toEqual(Array.from(zoneCountsOf(c, start)));
    expect(none!.packing).toBe(start);
  });
});

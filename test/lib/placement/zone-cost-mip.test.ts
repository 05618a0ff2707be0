import { describe, expect, it } from 'vitest';
import { maxNodeShare } from '../../../lib/placement/availability.js';
import { compileInstance, toNodeVector } from '../../../lib/placement/compiled-instance.js';
import { checkConstraints, checkVector } from '../../../lib/placement/constraints.js';
import { loadHighs } from '../../../lib/placement/ilp-solver.js';
import { generateInstance } from '../../../lib/placement/instance-generator.js';
import { JointIlpSolver } from '../../../lib/placement/joint-ilp-solver.js';
import { placeCounts } from '../../../lib/placement/joint-solver.js';
import { ZoneModel } from '../../../lib/placement/joint-zone-model.js';
import { evaluateRouted } from '../../../lib/placement/routing.js';
import { zoneCostCounts } from '../../../lib/placement/zone-cost-mip.js';
import { allAssignments, tinyInstance } from './fixtures.js';

describe('zone-cost MIP (zone counts for the node stage)', () => {
  it('gives every service all its replicas within its zone bounds and zone spread, and the node stage packs them', async () => {
    const c = compileInstance(generateInstance({ services: 20, nodes: 9, seed: 2 }));
    const counts = zoneCostCounts(c, await loadHighs(), { seconds: 60, mipRelGap: 0 });
    expect(counts).not.toBeNull();
    const Z = c.zoneCount;
    const bounds = new ZoneModel(c, new Int32Array(c.serviceCount * Z)).maxInZone;
    for (let s = 0; s < c.serviceCount; s++) {
      let total = 0;
      let zones = 0;
      for (let z = 0; z < Z; z++) {
        const k = counts![s * Z + z];
        expect(k).toBeGreaterThanOrEqual(0);
        expect(k).toBeLessThanOrEqual(bounds[s * Z + z]);
        total += k;
        if (k > 0) zones++;
      }
      expect(total).toBe(c.replicas[s]);
      if (c.needsSpread[s]) expect(zones).toBeGreaterThanOrEqual(2);
    }
    const placed = await placeCounts(c, counts!, 'zone-cost MIP', { seed: 1, timeLimitMs: 60_000 });
    expect(placed).not.toBeNull();
    expect(checkVector(c, placed!.vector)).toEqual([]);
    expect(maxNodeShare(c, placed!.vector)).toBeLessThanOrEqual(1 / 3 + 1e-9);
  });

  it.each([1, 2, 3, 4])('joint-ilp with the zone-cost MIP keeps its bound below the joint optimum and ends no worse (tiny seed %i)', async (seed) => {
    const c = compileInstance(tinyInstance(seed, { withPins: seed === 2, twoClusters: seed === 3 }));
    let optimum = Infinity;
    for (const assignment of allAssignments(c))
      if (checkConstraints(c, assignment).length === 0) optimum = Math.min(optimum, evaluateRouted(c, toNodeVector(c, assignment), 'preferSameZone').total);
    const without = await new JointIlpSolver({ zoneCostMipMinSeconds: Infinity }).solve(c, { seed: 1, timeLimitMs: 60_000 });
    const withMip = await new JointIlpSolver({ zoneCostMipMinSeconds: 0 }).solve(c, { seed: 1, timeLimitMs: 60_000 });
    expect(withMip.bound!).toBeLessThanOrEqual(optimum + 1e-9);
    expect(withMip.cost!.total).toBeGreaterThanOrEqual(optimum - 1e-9);
    expect(withMip.cost!.total).toBeLessThanOrEqual(without.cost!.total + 1e-9);
    expect(checkVector(c, toNodeVector(c, withMip.assignment!))).toEqual([]);
  });
});

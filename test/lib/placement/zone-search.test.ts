import { describe, expect, it } from 'vitest';
import { KubeSchedulerBaseline } from '../../../lib/placement/baselines.js';
import { compileInstance, toNodeVector, type CompiledInstance } from '../../../lib/placement/compiled-instance.js';
import { checkVector } from '../../../lib/placement/constraints.js';
import { generateInstance } from '../../../lib/placement/instance-generator.js';
import { zoneSearch } from '../../../lib/placement/joint-solver.js';
import { ZONE_PACKING_SLACK, ZoneModel } from '../../../lib/placement/joint-zone-model.js';
import type { PlacementInstanceInput } from '../../../lib/placement/model.js';
import { createRandom } from '../../../lib/placement/random.js';
import { zoneCountsOf } from '../../../lib/placement/routing.js';
import { packZones } from '../../../lib/placement/zone-packing.js';

/** Counts per service × zone from a per-service list of per-zone counts. */
const countsOf = (c: CompiledInstance, perService: number[][]): Int32Array => Int32Array.from(perService.flat().slice(0, c.serviceCount * c.zoneCount));

describe('packZones (traffic-blind packing of zone counts)', () => {
  // One zone of two 6,800-millicore / 12 GiB nodes. Three 2,000/4,096 replicas fill a node's memory: best fit
  // stacks them on one node (800 millicores stranded) and 28 small replicas no longer fit; spreading them fits.
  const mix: PlacementInstanceInput = {
    services: [
      { name: 'big', replicas: 3, cpu: 2_000, memory: 4_096, maxPerNode: 3 },
      { name: 'small', replicas: 28, cpu: 250, memory: 256, maxPerNode: 28 },
    ],
    nodes: [
      { id: 'n1', zone: 'a', cpu: 6_800, memory: 12_288 },
      { id: 'n2', zone: 'a', cpu: 6_800, memory: 12_288 },
    ],
    traffic: [{ from: 'small', to: 'big', rps: 10 }],
  };
  const twoZones: PlacementInstanceInput = {
    services: [
      { name: 'frozen', replicas: 2, cpu: 300, memory: 100, fixed: true },
      { name: 'pinned', replicas: 2, cpu: 300, memory: 100, allowedNodes: ['a2', 'b1'] },
      { name: 'free', replicas: 4, cpu: 300, memory: 100 },
    ],
    nodes: ['a1', 'a2', 'b1', 'b2'].map((id) => ({ id, zone: id[0], cpu: 1_000, memory: 1_000 })),
    traffic: [{ from: 'free', to: 'pinned', rps: 10 }],
    current: { frozen: ['a1', 'b2'] },
  };

  it.each<[string, PlacementInstanceInput, number[][]]>([
    ['a memory-bound mix best fit alone cannot pack', mix, [[3], [28]]],
    [
      'a fixed service where it runs, a pin, the node limit',
      twoZones,
      [
        [1, 1],
        [1, 1],
        [2, 2],
      ],
    ],
    [
      'the same mix with 30 small replicas (100 millicores to spare)',
      { ...mix, services: [mix.services[0], { ...mix.services[1], replicas: 30, maxPerNode: 30 }] },
      [[3], [30]],
    ],
  ])('packs %s, keeping every rule and the counts', (_name, input, perService) => {
    const c = compileInstance(input);
    const counts = countsOf(c, perService);
    const vector = packZones(c, counts);
    expect(vector).not.toBeNull();
    expect(checkVector(c, vector!)).toEqual([]);
    expect(Array.from(zoneCountsOf(c, vector!))).toEqual(Array.from(counts));
  });

  it.each<[string, PlacementInstanceInput, number[][]]>([
    ['more CPU than the zone has', { ...mix, services: [mix.services[0], { ...mix.services[1], replicas: 31, maxPerNode: 31 }] }, [[3], [31]]],
    [
      'a fixed service counted in the wrong zone',
      twoZones,
      [
        [2, 0],
        [1, 1],
        [2, 2],
      ],
    ],
    [
      'a pinned service beyond its node limit on the one node it may use in a zone',
      twoZones,
      [
        [1, 1],
        [2, 0],
        [2, 2],
      ],
    ],
  ])('finds nothing for %s', (_name, input, perService) => {
    const c = compileInstance(input);
    expect(packZones(c, countsOf(c, perService))).toBeNull();
  });
});

describe('zone search ejections (moves past full zones)', () => {
  // Two zones of one node each, both full at the packing slack: a and q in zone x, b and p in zone y, while a
  // talks to p and b to q. No single move fits anywhere; swapping a and b puts both pairs together.
  const swap: PlacementInstanceInput = {
    services: ['a', 'q', 'b', 'p'].map((name) => ({ name, replicas: 1, cpu: 485, memory: 100 })),
    nodes: [
      { id: 'x1', zone: 'x', cpu: 1_000, memory: 1_000 },
      { id: 'y1', zone: 'y', cpu: 1_000, memory: 1_000 },
    ],
    traffic: [
      { from: 'a', to: 'p', rps: 100 },
      { from: 'b', to: 'q', rps: 80 },
    ],
  };

  it.each([1, 2, 3, 4, 5])('makes the swap a single move cannot make, and keeps every zone within room (seed %i)', (seed) => {
    const c = compileInstance(swap);
    const [a, q, b, p] = ['a', 'q', 'b', 'p'].map((name) => c.serviceIndex.get(name)!);
    const Z = c.zoneCount;
    const start = new Int32Array(c.serviceCount * Z);
    const [x, y] = [0, 1];
    start[a * Z + x] = start[q * Z + x] = start[b * Z + y] = start[p * Z + y] = 1;
    const model = new ZoneModel(c, start);
    // Every single move is refused: both zones are full.
    for (let s = 0; s < c.serviceCount; s++) for (let from = 0; from < Z; from++) for (let to = 0; to < Z; to++) expect(model.canMove(s, from, to)).toBe(false);
    const before = model.total;
    zoneSearch(model, createRandom(seed), 10_000, Infinity);
    const zoneOf = (s: number): number => (model.counts[s * Z] === 1 ? 0 : 1);
    expect(zoneOf(a)).toBe(zoneOf(p));
    expect(zoneOf(b)).toBe(zoneOf(q));
    expect(model.total).toBeLessThan(before - 1);
    for (let z = 0; z < Z; z++) expect(model.usedCpu[z]).toBeLessThanOrEqual(ZONE_PACKING_SLACK * model.zoneCpu[z] + 1e-9);
  });

  it.each([1, 2, 3])('keeps zone bounds, spread and room, and is deterministic per seed, on a generated instance (seed %i)', async (seed) => {
    const c = compileInstance(generateInstance({ services: 40, nodes: 12, seed, meanReplicas: 3 }));
    const kube = zoneCountsOf(c, toNodeVector(c, (await new KubeSchedulerBaseline().solve(c)).assignment!));
    const runs = [1, 2].map(() => {
      const model = new ZoneModel(c, kube);
      zoneSearch(model, createRandom(seed), 20_000, Infinity);
      return model;
    });
    expect(Array.from(runs[1].counts)).toEqual(Array.from(runs[0].counts));
    const model = runs[0];
    const Z = c.zoneCount;
    for (let s = 0; s < c.serviceCount; s++) {
      let total = 0;
      let zones = 0;
      for (let z = 0; z < Z; z++) {
        expect(model.counts[s * Z + z]).toBeLessThanOrEqual(model.maxInZone[s * Z + z]);
        total += model.counts[s * Z + z];
        if (model.counts[s * Z + z] > 0) zones++;
      }
      expect(total).toBe(c.replicas[s]);
      if (c.needsSpread[s]) expect(zones).toBeGreaterThanOrEqual(2);
    }
    for (let z = 0; z < Z; z++) {
      expect(model.usedCpu[z]).toBeLessThanOrEqual(Math.max(ZONE_PACKING_SLACK * model.zoneCpu[z], new ZoneModel(c, kube).usedCpu[z]) + 1e-9);
      expect(model.usedMemory[z]).toBeLessThanOrEqual(Math.max(ZONE_PACKING_SLACK * model.zoneMemory[z], new ZoneModel(c, kube).usedMemory[z]) + 1e-9);
    }
  });
});

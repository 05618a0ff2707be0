import { describe, expect, it } from 'vitest';
import type { NodeInfo, PodInfo } from '../../../../lib/ports/cluster-client.js';
import type { ServiceRecord } from '../../../../lib/model/records.js';
import { buildPlacementInstance, type PlacementSnapshot } from '../../../../lib/usecases/optimizer/build-placement-instance.js';
import { node, pod, RUNNING_ROLLOUT as rollout, service } from './placement-fixtures.js';

const A1 = node('a1', 'zone-a');
const B1 = node('b1', 'zone-b');
const C1_DOWN = node('c1', 'zone-c', { ready: false });

interface Case {
  name: string;
  services: ServiceRecord[];
  nodes?: NodeInfo[];
  pods: PodInfo[];
  /** Frozen services and a pattern their reason must match. */
  frozen?: [string, RegExp][];
  /** Services in the instance, in order (movable ones first, then fixed pins). */
  movable?: string[];
  /** Services that enter as fixed pins. */
  fixed?: string[];
  /** Capacity left for the movable services: node → [cpu, memory]. */
  capacity?: Record<string, [number, number]>;
  current?: Record<string, string[]>;
  excluded?: Record<string, string[] | undefined>;
  traffic?: { from: string; to: string; rps: number }[];
}

const cases: Case[] = [
  {
    name: 'a service in a rollout is frozen: a fixed pin whose stable and canary pods are its replicas',
    services: [service('web', { replicas: 2, cpu: 300, memory: 256 }, { traffic: rollout }), service('api', { replicas: 2 })],
    pods: [pod('web', 'a1'), pod('web', 'b1'), pod('web', 'a1', { track: 'canary' }), pod('api', 'a1'), pod('api', 'b1')],
    frozen: [['web', /rollout dep-7 is running/]],
    movable: ['api', 'web'],
    fixed: ['web'],
    // Both services are in the model, so neither is subtracted from the nodes.
    capacity: { a1: [4000, 16384], b1: [4000, 16384] },
    current: { api: ['a1', 'b1'], web: ['a1', 'a1', 'b1'] },
  },
  {
    name: 'a service with fewer placed (Running, bound) pods than replicas is frozen: its bound pods are fixed replicas',
    services: [service('api', { replicas: 3, cpu: 200, memory: 512 })],
    pods: [pod('api', 'a1'), pod('api', 'b1', { phase: 'Pending' }), pod('api', undefined)],
    frozen: [['api', /^1 of 3 pods are placed$/]],
    movable: ['api'],
    fixed: ['api'],
    capacity: { a1: [4000, 16384], b1: [4000, 16384] },
    current: { api: ['a1', 'b1'] },
  },
  {
    name: 'a service with more stable pods than replicas (a rolling update surging) is frozen',
    services: [service('api', { replicas: 2 })],
    pods: [pod('api', 'a1'), pod('api', 'a1'), pod('api', 'b1')],
    frozen: [['api', /^3 of 2 pods are placed$/]],
    movable: ['api'],
    fixed: ['api'],
    current: { api: ['a1', 'a1', 'b1'] },
  },
  {
    name: 'a service with a pod on a NotReady node is frozen, and the node is not offered',
    services: [service('api', { replicas: 2 }), service('db', { replicas: 2 })],
    nodes: [A1, B1, C1_DOWN],
    pods: [pod('api', 'a1'), pod('api', 'c1'), pod('db', 'a1'), pod('db', 'b1')],
    frozen: [['api', /node that is not ready/]],
    // Its pod on the NotReady node is not modelled (the node is not offered).
    movable: ['db', 'api'],
    fixed: ['api'],
    capacity: { a1: [4000, 16384], b1: [4000, 16384] },
    current: { db: ['a1', 'b1'], api: ['a1'] },
  },
  {
    name: 'capacity left subtracts every pod that will not move: other owners, unknown services, lingering canaries',
    services: [service('api', { replicas: 2, cpu: 250, memory: 300 })],
    pods: [
      pod('api', 'b1'),
      pod('api', 'a1'),
      pod(undefined, 'a1', { managed: false }), // not meshplane's: assumed 50m / 64 MiB
      pod('retired', 'a1'), // meshplane's, service no longer registered: 100m / 64 MiB
      pod('api', 'b1', { track: 'canary' }), // left over from a finished rollout: api's requests
      pod(undefined, 'b1', { managed: false, phase: 'Succeeded' }),
      pod('api', 'b1', { phase: 'Failed' }),
      pod(undefined, undefined, { managed: false }), // unscheduled: uses nothing yet
    ],
    frozen: [],
    movable: ['api'],
    capacity: { a1: [3850, 16256], b1: [3750, 16084] },
    current: { api: ['a1', 'b1'] },
  },
  {
    name: 'capacity left never goes below zero, and a node always has room for the fixed pods it runs',
    services: [service('big', { replicas: 1, cpu: 3000, memory: 100 }, { traffic: rollout }), service('api', { replicas: 1 })],
    nodes: [node('tiny', 'zone-a', { allocatableCpuMillis: 2000, allocatableMemoryMiB: 64 }), node('full', 'zone-a', { allocatableCpuMillis: 40 }), B1],
    pods: [pod('big', 'tiny'), pod('api', 'b1'), pod(undefined, 'full', { managed: false })],
    frozen: [['big', /rollout/]],
    movable: ['api', 'big'],
    fixed: ['big'],
    capacity: { tiny: [3000, 100], full: [0, 16320], b1: [4000, 16384] },
  },
  {
    name: "avoidNodes of a service's placement become excludedNodes; an empty or absent list excludes nothing",
    services: [
      service('api', { replicas: 1 }, { placement: { runId: 'rem-1', avoidNodes: ['a1'] } }),
      service('db', { replicas: 1 }, { placement: { runId: 'opt-1', avoidNodes: [], requiredNodes: ['a1'] } }),
      service('web', { replicas: 1 }),
    ],
    pods: [pod('api', 'b1'), pod('db', 'a1'), pod('web', 'a1')],
    movable: ['api', 'db', 'web'],
    excluded: { api: ['a1'], db: undefined, web: undefined },
  },
  {
    name: 'traffic edges come from declared dependencies between modelled services (fixed pins too), sorted; others are left out',
    services: [
      service('web', {
        replicas: 1,
        dependencies: [
          { service: 'api', rps: 120 },
          { service: 'cart', rps: 40 },
          { service: 'external', rps: 9 },
        ],
      }),
      service('api', { replicas: 1, dependencies: [{ service: 'db', rps: 30 }] }),
      service('db', { replicas: 1 }),
      service('cart', { replicas: 1 }, { traffic: rollout }),
    ],
    pods: [pod('web', 'a1'), pod('api', 'a1'), pod('db', 'b1'), pod('cart', 'b1')],
    frozen: [['cart', /rollout/]],
    movable: ['web', 'api', 'db', 'cart'],
    fixed: ['cart'],
    traffic: [
      { from: 'api', to: 'db', rps: 30 },
      { from: 'web', to: 'api', rps: 120 },
      { from: 'web', to: 'cart', rps: 40 },
    ],
  },
  {
    name: 'replicas of a movable service are listed by node, sorted, so the snapshot does not depend on listing order',
    services: [service('api', { replicas: 3 })],
    pods: [pod('api', 'b1'), pod('api', 'a1'), pod('api', 'b1')],
    frozen: [],
    current: { api: ['a1', 'b1', 'b1'] },
  },
];

describe('buildPlacementInstance', () => {
  it.each(cases)('$name', (c) => {
    const snapshot: PlacementSnapshot = buildPlacementInstance(c.services, c.nodes ?? [A1, B1], c.pods, { migrationCost: 2 });
    const { instance } = snapshot;
    if (c.frozen) {
      expect(snapshot.frozen.map((f) => f.service)).toEqual(c.frozen.map(([s]) => s));
      c.frozen.forEach(([, reason], i) => expect(snapshot.frozen[i].reason).toMatch(reason));
    }
    if (c.movable) expect(instance.services.map((s) => s.name)).toEqual(c.movable);
    expect(instance.services.filter((s) => s.fixed).map((s) => s.name)).toEqual(c.fixed ?? []);
    if (c.capacity) expect(Object.fromEntries(instance.nodes.map((n) => [n.id, [n.cpu, n.memory]]))).toEqual(c.capacity);
    if (c.current) {
      expect(snapshot.current).toEqual(c.current);
      expect(instance.current).toEqual(c.current);
    }
    if (c.excluded) expect(Object.fromEntries(instance.services.map((s) => [s.name, s.excludedNodes]))).toEqual(c.excluded);
    if (c.traffic) expect(instance.traffic).toEqual(c.traffic);
  });

  it('describes a movable service by its spec: replicas, CPU and memory requests', () => {
    const { instance } = buildPlacementInstance([service('api', { replicas: 2, cpu: 350, memory: 700 })], [A1, B1], [pod('api', 'a1'), pod('api', 'b1')], {
      migrationCost: 0,
    });
    expect(instance.services).toEqual([{ name: 'api', replicas: 2, cpu: 350, memory: 700 }]);
  });

  it('passes the migration cost through and leaves node risk at its default (no failure-rate estimate exists)', () => {
    const { instance } = buildPlacementInstance([service('api', { replicas: 1 })], [A1, B1], [pod('api', 'a1')], { migrationCost: 7.5 });
    expect(instance.migrationCost).toBe(7.5);
    expect(instance.nodes.map((n) => [n.id, n.zone, n.risk])).toEqual([
      ['a1', 'zone-a', undefined],
      ['b1', 'zone-b', undefined],
    ]);
  });

  it('observed call rates replace the declared rate of each pair they cover and add pairs nobody declared, frozen services included', () => {
    const services = [
      service('web', {
        replicas: 1,
        dependencies: [
          { service: 'api', rps: 120 },
          { service: 'cart', rps: 40 },
        ],
      }),
      service('api', { replicas: 1 }),
      service('cart', { replicas: 1 }),
      service('ledger', { replicas: 1 }, { traffic: rollout }),
    ];
    const pods = [pod('web', 'a1'), pod('api', 'a1'), pod('cart', 'b1'), pod('ledger', 'b1')];
    const observed = [
      { from: 'web', to: 'api', rps: 300 },
      { from: 'api', to: 'cart', rps: 15 },
      { from: 'cart', to: 'ledger', rps: 99 },
    ];
    const { instance } = buildPlacementInstance(services, [A1, B1], pods, { migrationCost: 0, observed });
    expect(instance.traffic).toEqual([
      { from: 'api', to: 'cart', rps: 15 },
      { from: 'cart', to: 'ledger', rps: 99 },
      { from: 'web', to: 'api', rps: 300 },
      { from: 'web', to: 'cart', rps: 40 },
    ]);
  });

  it('freezes for the first reason that applies: a rollout wins over missing pods', () => {
    const { frozen } = buildPlacementInstance([service('api', { replicas: 3 }, { traffic: rollout })], [A1, B1], [pod('api', 'a1')], { migrationCost: 0 });
    expect(frozen).toEqual([{ service: 'api', reason: 'rollout dep-7 is running' }]);
  });

  it("carries a spec's own node limit and the run's global share into the instance", () => {
    const services = [service('web', { replicas: 6, availability: { maxPerNode: 3 } }), service('api', { replicas: 2 })];
    const pods = [...['a1', 'a1', 'a1', 'b1', 'b1', 'b1'].map((n) => pod('web', n)), pod('api', 'a1'), pod('api', 'b1')];
    const { instance } = buildPlacementInstance(services, [A1, B1], pods, { migrationCost: 0, maxNodeShare: 0.5 });
    expect(instance.services.map((s) => [s.name, s.maxPerNode])).toEqual([
      ['web', 3],
      ['api', undefined],
    ]);
    expect(instance.availability).toEqual({ maxNodeShare: 0.5 });
  });
});

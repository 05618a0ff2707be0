import { describe, expect, it } from 'vitest';
import { type BoundPod, type PodSchedulingSpec, type SchedulingNode, schedulePod } from '../../../lib/sim/scheduler.js';

function node(name: string, zone: string, extra: Partial<SchedulingNode> = {}): SchedulingNode {
  return {
    name,
    labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': zone, ...(extra.labels ?? {}) },
    ready: true,
    allocatableCpuMillis: 1000,
    allocatableMemoryMiB: 1024,
    ...extra,
    ...(extra.labels ? { labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': zone, ...extra.labels } } : {}),
  };
}

const pod = (extra: Partial<PodSchedulingSpec> = {}): PodSchedulingSpec => ({
  namespace: 'default',
  labels: { app: 'web' },
  cpuMillis: 100,
  memoryMiB: 64,
  ...extra,
});
const bound = (nodeName: string, cpuMillis = 100, labels = { app: 'web' }): BoundPod => ({ namespace: 'default', labels, nodeName, cpuMillis, memoryMiB: 64 });

const nodes = [node('a1', 'a'), node('a2', 'a'), node('b1', 'b'), node('c1', 'c')];

describe('schedulePod', () => {
  it('breaks ties by node name', () => {
    expect(schedulePod(pod(), nodes, []).nodeName).toBe('a1');
  });

  it('prefers the least allocated node', () => {
    expect(schedulePod(pod(), nodes, [bound('a1', 500), bound('a2', 300), bound('b1', 200)]).nodeName).toBe('c1');
  });

  it('leaves the pod unscheduled with kube-scheduler style reasons when resources run out', () => {
    const decision = schedulePod(
      pod({ cpuMillis: 600 }),
      nodes,
      nodes.map((n) => bound(n.name, 500)),
    );
    expect(decision.nodeName).toBeUndefined();
    expect(decision).toEqual({ message: '0/4 nodes are available: 4 Insufficient cpu.' });
  });

  it('counts each failing node under its first failing filter', () => {
    const mixed = [node('a1', 'a', { ready: false }), node('a2', 'a', { unschedulable: true }), node('b1', 'b'), node('c1', 'c', { labels: { disk: 'ssd' } })];
    const decision = schedulePod(pod({ cpuMillis: 2000, nodeSelector: { disk: 'ssd' } }), mixed, []);
    expect(decision).toEqual({
      message:
        "0/4 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) were not ready, 1 node(s) were unschedulable.",
    });
  });

  it('skips NotReady nodes', () => {
    expect(schedulePod(pod(), [node('a1', 'a', { ready: false }), node('b1', 'b')], []).nodeName).toBe('b1');
  });

  it.each([
    [[{ key: 'topology.kubernetes.io/zone', operator: 'In' as const, values: ['b', 'c'] }], 'b1'],
    [[{ key: 'topology.kubernetes.io/zone', operator: 'NotIn' as const, values: ['a', 'b'] }], 'c1'],
    [[{ key: 'gpu', operator: 'Exists' as const }], 'a2'],
    [
      [
        { key: 'gpu', operator: 'DoesNotExist' as const },
        { key: 'kubernetes.io/hostname', operator: 'In' as const, values: ['a2', 'c1'] },
      ],
      'c1',
    ],
  ])('honours required node affinity %j', (matchExpressions, expected) => {
    const withGpu = nodes.map((n) => (n.name === 'a2' ? node('a2', 'a', { labels: { gpu: 'yes' } }) : n));
    expect(schedulePod(pod({ requiredNodeTerms: [{ matchExpressions }] }), withGpu, []).nodeName).toBe(expected);
  });

  it('uses preferred node affinity as a score', () => {
    const preferred = [{ weight: 50, preference: { matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In' as const, values: ['c'] }] } }];
    expect(schedulePod(pod({ preferredNodeTerms: preferred }), nodes, []).nodeName).toBe('c1');
  });

  it('enforces DoNotSchedule zone spread: the next pod goes to an emptier zone', () => {
    const spread = [
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' as const, labelSelector: { matchLabels: { app: 'web' } } },
    ];
    // a has 1, b has 1, c has 0: only zone c keeps the skew within 1.
    expect(schedulePod(pod({ topologySpreadConstraints: spread }), nodes, [bound('a1'), bound('b1')]).nodeName).toBe('c1');
    // Pods of other apps do not count: zone a stays eligible (a2 is the least allocated node).
    expect(schedulePod(pod({ topologySpreadConstraints: spread }), nodes, [bound('a1', 100, { app: 'other' })]).nodeName).toBe('a2');
  });

  it('reports a spread violation when the only feasible domain is full', () => {
    const spread = [
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' as const, labelSelector: { matchLabels: { app: 'web' } } },
    ];
    // Zones a=2, b=1, c=1: zone a would be skewed by 2; b1 and c1 lack CPU for an 800m pod.
    const decision = schedulePod(pod({ topologySpreadConstraints: spread, cpuMillis: 800 }), nodes, [
      bound('a1'),
      bound('a2'),
      bound('b1', 300),
      bound('c1', 900),
    ]);
    expect(decision).toEqual({ message: "0/4 nodes are available: 2 Insufficient cpu, 2 node(s) didn't match pod topology spread constraints." });
  });

  it('spreads over hosts with ScheduleAnyway as a preference only', () => {
    const spread = [
      { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' as const, labelSelector: { matchLabels: { app: 'web' } } },
    ];
    const twoNodes = [node('a1', 'a'), node('a2', 'a')];
    expect(schedulePod(pod({ topologySpreadConstraints: spread }), twoNodes, [bound('a1', 10), bound('a1', 10)]).nodeName).toBe('a2');
    expect(schedulePod(pod({ topologySpreadConstraints: spread }), [node('a1', 'a')], [bound('a1'), bound('a1')]).nodeName).toBe('a1');
  });

  it('places a deployment of 6 over three zones evenly with the system default spreading', () => {
    const placed: BoundPod[] = [];
    for (let i = 0; i < 6; i++) {
      const decision = schedulePod(pod({ defaultSpreading: true }), [node('a1', 'a'), node('a2', 'a'), node('b1', 'b'), node('c1', 'c')], placed);
      placed.push(bound(decision.nodeName as string));
    }
    const perZone = (z: string) => placed.filter((p) => p.nodeName.startsWith(z)).length;
    expect([perZone('a'), perZone('b'), perZone('c')]).toEqual([2, 2, 2]);
  });
});

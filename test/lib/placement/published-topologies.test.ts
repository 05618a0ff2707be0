import { describe, expect, it } from 'vitest';
import { maxNodeShare } from '../../../lib/placement/availability.js';
import { compileInstance, toNodeVector } from '../../../lib/placement/compiled-instance.js';
import { checkConstraints } from '../../../lib/placement/constraints.js';
import { HeuristicSolver } from '../../../lib/placement/heuristic-solver.js';
import { JointHeuristicSolver } from '../../../lib/placement/joint-solver.js';
import { PUBLISHED_TOPOLOGIES, publishedInstance, type PublishedTopology } from '../../../lib/placement/published-topologies.js';
import { evaluateRouted } from '../../../lib/placement/routing.js';

const NAMES = Object.keys(PUBLISHED_TOPOLOGIES) as PublishedTopology[];

describe('published application topologies as placement instances', () => {
  it.each([
    ['social-network', 26, 13],
    ['hotel-reservation', 22, 12],
    ['media-microservices', 31, 18],
    ['train-ticket', 68, 26],
  ] as const)('%s: %i services (every container but tracing), %i of them single-replica stores', (name, services, single) => {
    const instance = publishedInstance(name, { nodes: 12, replicas: 3 });
    expect(instance.services).toHaveLength(services);
    expect(instance.services.filter((s) => s.replicas === 1)).toHaveLength(single);
    expect(instance.services.filter((s) => s.replicas === 3)).toHaveLength(services - single);
  });

  it.each(NAMES)('%s: every call is between declared services, rates add up per edge, nodes hold the load', (name) => {
    const instance = publishedInstance(name, { nodes: 36, replicas: 9, entryRps: 2_000 });
    const services = new Set(instance.services.map((s) => s.name));
    const edges = new Set<string>();
    for (const t of instance.traffic) {
      expect(services.has(t.from) && services.has(t.to), `${t.from} -> ${t.to}`).toBe(true);
      expect(t.rps).toBeGreaterThan(0);
      const key = `${t.from} -> ${t.to}`;
      expect(edges.has(key), `${key} listed once`).toBe(false);
      edges.add(key);
    }
    expect(new Set(instance.nodes.map((n) => n.zone)).size).toBe(3);
    const requested = instance.services.reduce((sum, s) => sum + s.replicas * s.cpu, 0);
    const allocatable = instance.nodes.reduce((sum, n) => sum + n.cpu, 0);
    expect(requested / allocatable).toBeLessThanOrEqual(0.7);
    // Same options, same instance; twice the entry rate, twice every edge.
    expect(publishedInstance(name, { nodes: 36, replicas: 9, entryRps: 2_000 })).toEqual(instance);
    const half = publishedInstance(name, { nodes: 36, replicas: 9, entryRps: 1_000 });
    expect(half.traffic.map((t) => t.rps * 2)).toEqual(instance.traffic.map((t) => expect.closeTo(t.rps, 1)));
  });

  it('social network: the home-timeline read path carries the most calls into post storage', () => {
    const { traffic } = publishedInstance('social-network', { nodes: 12, replicas: 3 });
    const rps = (from: string, to: string) => traffic.find((t) => t.from === from && t.to === to)?.rps;
    expect(rps('home-timeline-service', 'post-storage-service')).toBeGreaterThan(rps('user-timeline-service', 'post-storage-service')!);
    expect(rps('nginx-thrift', 'compose-post-service')).toBe(100);
    expect(rps('compose-post-service', 'media-service')).toBe(100);
  });

  // The finding on these applications: the optimizer stacked a service's replicas on one node.
  it.each(NAMES.flatMap((name) => [3, 9].map((replicas) => ({ name, replicas }))))(
    '$name with $replicas replicas per stateless service: the placement and joint heuristics keep a third per node at most',
    async ({ name, replicas }) => {
      const instance = publishedInstance(name, { nodes: replicas === 3 ? 12 : 36, replicas });
      const c = compileInstance(instance);
      for (const solver of [new HeuristicSolver(), new JointHeuristicSolver()]) {
        const result = await solver.solve(c, { seed: 1, timeLimitMs: 300 });
        expect(result.assignment, solver.name).not.toBeNull();
        expect(checkConstraints(instance, result.assignment!), solver.name).toEqual([]);
        const vector = toNodeVector(c, result.assignment!);
        expect(maxNodeShare(c, vector), solver.name).toBeLessThanOrEqual(1 / 3);
        const cap = instance.routing!.zoneLoadCap;
        if (result.routing) expect(evaluateRouted(c, vector, result.routing).maxZoneLoad, solver.name).toBeLessThanOrEqual(cap + 1e-9);
      }
    },
  );
});

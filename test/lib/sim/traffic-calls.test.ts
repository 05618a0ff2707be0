/** Caller-side calls in the traffic model: what each workload sends to each workload it reaches. */
import { describe, expect, it } from 'vitest';
import { type TrafficVirtualService, type TrafficWorkload, computeTraffic } from '../../../lib/sim/traffic-model.js';
import { workload } from './traffic-fixtures.js';

const settings = {
  externalRps: 20,
  behaviour: (image: string) => (image === 'bad:1' ? { errorRate: 0.2, p99LatencyMs: 400 } : { errorRate: 0.001, p99LatencyMs: 40 }),
};

const split = (service: string, stable: number, canary: number): TrafficVirtualService => ({
  namespace: 'default',
  name: service,
  hosts: [service],
  route: [
    { subset: 'stable', weight: stable },
    { subset: 'canary', weight: canary },
  ],
});

/** `caller>callee` → rps, from every workload's calls. */
function callTable(workloads: TrafficWorkload[], virtualServices: TrafficVirtualService[] = []): Record<string, number> {
  const table: Record<string, number> = {};
  for (const t of computeTraffic(workloads, virtualServices, [], settings))
    for (const c of t.calls) table[`${t.name}>${c.name}`] = Math.round(c.rps * 1e9) / 1e9;
  return table;
}

describe('computeTraffic: calls per caller and callee workload', () => {
  it.each([
    {
      name: 'a declared dependency is one call edge at the declared rate',
      workloads: [workload('web', 'web', 'stable', 2, { dependencies: [{ service: 'api', rps: 50 }] }), workload('api', 'api', 'stable', 1)],
      expected: { 'web>api': 50 },
    },
    {
      name: 'calls to a service are split over its workloads as its route splits them (80/20)',
      workloads: [
        workload('web', 'web', 'stable', 1, { dependencies: [{ service: 'api', rps: 50 }] }),
        workload('api', 'api', 'stable', 3),
        workload('api-canary', 'api', 'canary', 1),
      ],
      vs: [split('api', 80, 20)],
      expected: { 'web>api': 40, 'web>api-canary': 10 },
    },
    {
      name: "a caller's workloads call in proportion to the share of traffic they serve",
      workloads: [
        workload('api', 'api', 'stable', 1, { dependencies: [{ service: 'db', rps: 100 }] }),
        workload('api-canary', 'api', 'canary', 1, { dependencies: [{ service: 'db', rps: 100 }] }),
        workload('db', 'db', 'stable', 1),
      ],
      vs: [split('api', 90, 10)],
      expected: { 'api>db': 90, 'api-canary>db': 10 },
    },
    {
      name: 'calls routed to a workload without a ready pod are lost; a caller without ready pods calls nobody',
      workloads: [
        workload('web', 'web', 'stable', 1, { dependencies: [{ service: 'api', rps: 50 }] }),
        workload('api', 'api', 'stable', 2),
        workload('api-canary', 'api', 'canary', 0),
        workload('idle', 'idle', 'stable', 0, { dependencies: [{ service: 'api', rps: 70 }] }),
      ],
      vs: [split('api', 50, 50)],
      expected: { 'web>api': 25 },
    },
    {
      name: 'a dependency on a service that does not exist calls nobody',
      workloads: [workload('web', 'web', 'stable', 1, { dependencies: [{ service: 'ghost', rps: 5 }] })],
      expected: {},
    },
  ])('$name', ({ workloads, vs, expected }) => {
    expect(callTable(workloads, vs)).toEqual(expected);
  });

  it("a call's error rate is the called workload's", () => {
    const traffic = computeTraffic(
      [
        workload('web', 'web', 'stable', 1, { dependencies: [{ service: 'api', rps: 10 }] }),
        { ...workload('api', 'api', 'stable', 0), readyPods: [['bad:1'], ['api:1']] },
      ],
      [],
      [],
      settings,
    );
    const api = traffic.find((t) => t.name === 'api')!;
    expect(traffic.find((t) => t.name === 'web')!.calls).toEqual([{ namespace: 'default', name: 'api', service: 'api', rps: 10, errorRate: api.errorRate }]);
    expect(api.errorRate).toBeCloseTo((0.2 + 0.001) / 2, 9);
  });
});

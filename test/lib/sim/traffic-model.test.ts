import { describe, expect, it } from 'vitest';
import { type TrafficWorkload, computeTraffic, latencyCdf, routeIndex, routeShares } from '../../../lib/sim/traffic-model.js';
import { workload } from './traffic-fixtures.js';

const base = { errorRate: 0.001, p99LatencyMs: 40 };
const settings = { externalRps: 20, behaviour: (image: string) => (image === 'bad:1' ? { errorRate: 0.2, p99LatencyMs: 400 } : base) };

describe('latency model', () => {
  it('puts 99% of requests at or below the configured p99', () => {
    expect(latencyCdf(40, 40)).toBeCloseTo(0.99, 6);
    expect(latencyCdf(400, 400)).toBeCloseTo(0.99, 6);
    expect(latencyCdf(40, 40 / Math.exp(2.3263 * 0.6))).toBeCloseTo(0.5, 3); // log-normal, σ = 0.6
  });
});

describe('routeShares', () => {
  const stable = workload('api', 'api', 'stable', 3);
  const canary = workload('api-canary', 'api', 'canary', 1);

  it('splits by ready replicas without a VirtualService', () => {
    expect(Object.fromEntries(routeShares('default', 'api', [stable, canary], [], []))).toEqual({ api: 0.75, 'api-canary': 0.25 });
  });

  it('follows VirtualService weights on subsets mapped by the DestinationRule', () => {
    const vs = [
      {
        namespace: 'default',
        name: 'api',
        hosts: ['api'],
        route: [
          { subset: 'stable', weight: 90 },
          { subset: 'canary', weight: 10 },
        ],
      },
    ];
    const dr = [
      {
        namespace: 'default',
        host: 'api.default.svc.cluster.local',
        subsets: [
          { name: 'stable', labels: { track: 'stable' } },
          { name: 'canary', labels: { track: 'canary' } },
        ],
      },
    ];
    expect(Object.fromEntries(routeShares('default', 'api', [stable, canary], vs, dr))).toEqual({ api: 0.9, 'api-canary': 0.1 });
  });

  it('maps subsets to the track label when there is no DestinationRule, and loses traffic sent to a workload with no ready pod', () => {
    const vs = [
      {
        namespace: 'default',
        name: 'api',
        hosts: ['api'],
        route: [
          { subset: 'stable', weight: 70 },
          { subset: 'canary', weight: 30 },
        ],
      },
    ];
    const downCanary = workload('api-canary', 'api', 'canary', 0);
    const shares = routeShares('default', 'api', [stable, downCanary], vs, []);
    expect([...shares.keys()]).toEqual(['api']);
    expect(shares.get('api')).toBeCloseTo(0.7, 12);
  });

  it('ignores VirtualServices of other namespaces or hosts', () => {
    const vs = [
      { namespace: 'other', name: 'api', hosts: ['api'], route: [{ subset: 'canary', weight: 100 }] },
      { namespace: 'default', name: 'web', hosts: ['web'], route: [{ subset: 'canary', weight: 100 }] },
    ];
    expect(Object.fromEntries(routeShares('default', 'api', [stable, canary], vs, []))).toEqual({ api: 0.75, 'api-canary': 0.25 });
  });
});

describe('computeTraffic', () => {
  it('gives uncalled services the external load and called services their callers’ declared rates', () => {
    const traffic = computeTraffic(
      [
        workload('frontend', 'frontend', 'stable', 2, {
          dependencies: [
            { service: 'api', rps: 50 },
            { service: 'db', rps: 5 },
          ],
        }),
        workload('api', 'api', 'stable', 2, { dependencies: [{ service: 'db', rps: 30 }] }),
        workload('db', 'db', 'stable', 1),
      ],
      [],
      [],
      settings,
    );
    expect(Object.fromEntries(traffic.map((t) => [t.name, t.rps]))).toEqual({ frontend: 20, api: 50, db: 35 });
  });

  it('scales a caller’s calls by the share of its traffic each of its workloads serves', () => {
    const vs = [
      {
        namespace: 'default',
        name: 'api',
        hosts: ['api'],
        route: [
          { subset: 'stable', weight: 80 },
          { subset: 'canary', weight: 20 },
        ],
      },
    ];
    const traffic = computeTraffic(
      [
        workload('api', 'api', 'stable', 1, { dependencies: [{ service: 'db', rps: 100 }] }),
        workload('api-canary', 'api', 'canary', 1, { dependencies: [{ service: 'db', rps: 10 }] }),
        workload('db', 'db', 'stable', 1),
      ],
      vs,
      [],
      settings,
    );
    // db receives 0.8 × 100 + 0.2 × 10.
    expect(traffic.find((t) => t.name === 'db')?.rps).toBeCloseTo(82, 9);
  });

  it('mixes error rates of the ready pods by image and serves nothing without ready pods', () => {
    const mixed: TrafficWorkload = { ...workload('api', 'api', 'stable', 0), readyPods: [['api:1'], ['bad:1'], ['api:1'], ['api:1']] };
    const [api, idle] = computeTraffic([mixed, workload('idle', 'idle', 'stable', 0)], [], [], settings);
    expect(api.errorRate).toBeCloseTo((3 * 0.001 + 0.2) / 4, 9);
    expect(idle.rps).toBe(0);
  });
});

describe('routeShares with the route index computeTraffic builds', () => {
  it('chooses the VirtualService and DestinationRule the lists give, for every service', () => {
    const services = ['api', 'web', 'cart', 'pay'];
    const workloads = services.flatMap((s) => [workload(s, s, 'stable', 3), workload(`${s}-canary`, s, 'canary', 1)]);
    const route = (weight: number) => [
      { subset: 'stable', weight: 100 - weight },
      { subset: 'canary', weight },
    ];
    const virtualServices = [
      { namespace: 'default', name: 'b-api', hosts: ['api'], route: route(10) },
      { namespace: 'default', name: 'a-api', hosts: ['api.default.svc.cluster.local'], route: route(30) },
      { namespace: 'default', name: 'web', hosts: ['web.other', 'web.default'], route: route(50) },
      { namespace: 'other', name: 'cart', hosts: ['cart'], route: route(90) },
      { namespace: 'default', name: 'pay', hosts: ['pay'], route: [{ subset: 'green' }] },
    ];
    const destinationRules = [
      { namespace: 'default', host: 'pay', subsets: [{ name: 'green', labels: { track: 'canary' } }] },
      { namespace: 'default', host: 'pay.default', subsets: [{ name: 'green', labels: { track: 'stable' } }] },
      {
        namespace: 'default',
        host: 'api',
        subsets: [
          { name: 'stable', labels: { track: 'stable' } },
          { name: 'canary', labels: { track: 'canary' } },
        ],
      },
    ];
    const index = routeIndex(virtualServices, destinationRules);
    for (const s of services) {
      const group = workloads.filter((w) => w.service === s);
      const listed = Object.fromEntries(routeShares('default', s, group, virtualServices, destinationRules));
      expect(Object.fromEntries(routeShares('default', s, group, virtualServices, destinationRules, index)), s).toEqual(listed);
    }
    // a-api comes first by name: its 30 % canary weight is the one used.
    const api = routeShares('default', 'api', workloads.slice(0, 2), virtualServices, destinationRules, index);
    expect(api.get('api')).toBeCloseTo(0.7, 9);
    expect(api.get('api-canary')).toBeCloseTo(0.3, 9);
  });
});

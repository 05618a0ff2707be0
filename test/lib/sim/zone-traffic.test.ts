import { describe, expect, it } from 'vitest';
import { computeTraffic, type TrafficDestinationRule, type TrafficWorkload } from '../../../lib/sim/traffic-model.js';
import { computeZoneTraffic, crossZoneShare, localityMatches, zonePolicy, zoneSplit, type ZonePolicy } from '../../../lib/sim/zone-traffic.js';

const at = (zone: string, region = 'r1') => ({ region, zone });
const settings = { externalRps: 30, behaviour: () => ({ errorRate: 0, p99LatencyMs: 40 }) };

function workload(name: string, zones: string[], dependencies: { service: string; rps: number }[] = []): TrafficWorkload {
  return {
    namespace: 'default',
    name,
    service: name,
    podLabels: { app: name, track: 'stable' },
    readyPods: zones.map(() => [`${name}:1`]),
    readyPodLocalities: zones.map((z) => at(z)),
    dependencies,
  };
}

const rule = (host: string, extra: Partial<TrafficDestinationRule> = {}): TrafficDestinationRule => ({
  namespace: 'default',
  host,
  subsets: [],
  outlierDetection: true,
  ...extra,
});

const asObject = (m: Map<string, number>) => Object.fromEntries(m);

describe('zonePolicy: Istio’s order of precedence', () => {
  const failoverRule = rule('api', {
    localityLbSetting: { enabled: true, failoverPriority: ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone'] },
  });
  it.each<[string, TrafficDestinationRule[], string | undefined, boolean | undefined, ZonePolicy['kind']]>([
    ['mesh default with outlier detection: same zone first', [rule('api')], undefined, undefined, 'failover'],
    ['mesh default without outlier detection: round-robin', [rule('api', { outlierDetection: false })], undefined, undefined, 'uniform'],
    ['mesh-wide locality load balancing off: round-robin', [rule('api')], undefined, false, 'uniform'],
    ['the rule turns it off, whatever the mesh says', [rule('api', { localityLbSetting: { enabled: false } })], 'PreferClose', true, 'uniform'],
    ['the rule turns it on over a mesh that is off', [failoverRule], undefined, false, 'failover'],
    [
      'distribute in the rule',
      [rule('api', { localityLbSetting: { distribute: [{ from: 'r1/a/*', to: { 'r1/a/*': 100 } }] } })],
      undefined,
      false,
      'distribute',
    ],
    ['the Service’s trafficDistribution, without a rule setting', [rule('api', { outlierDetection: false })], 'PreferClose', false, 'failover'],
    ['PreferSameZone too', [], 'PreferSameZone', false, 'failover'],
  ])('%s', (_, rules, distribution, meshLocalityLb, kind) => {
    const distributions = distribution ? [{ namespace: 'default', name: 'api', trafficDistribution: distribution }] : [];
    expect(zonePolicy('default', 'api', rules, distributions, { meshLocalityLb }).kind).toBe(kind);
  });
});

describe('localityMatches', () => {
  it.each([
    ['*', true],
    ['r1/*', true],
    ['r1/a/*', true],
    ['r1/a', true],
    ['r1/b/*', false],
    ['r2/*', false],
  ])('%s', (pattern, match) => expect(localityMatches(pattern, at('a'))).toBe(match));
});

describe('zoneSplit: where one caller zone’s calls land', () => {
  const pods = [at('a'), at('b'), at('b'), at('c')];
  const distribute: ZonePolicy = {
    kind: 'distribute',
    entries: [
      { from: 'r1/a/*', to: { 'r1/a/*': 80, 'r1/b/*': 20 } },
      { from: 'r1/c/*', to: { 'r1/c/*': 100 } },
    ],
  };
  it.each<[string, ZonePolicy, string, { region: string; zone: string }[], Record<string, number>]>([
    ['uniform: by pods, every zone', { kind: 'uniform' }, 'a', pods, { a: 0.25, b: 0.5, c: 0.25 }],
    ['failover: all local while the zone has a pod', { kind: 'failover' }, 'b', pods, { b: 1 }],
    ['failover: the zone has none, the rest of the region by pods', { kind: 'failover' }, 'a', [at('b'), at('c'), at('c')], { b: 1 / 3, c: 2 / 3 }],
    ['failover: no pod in the region, anywhere', { kind: 'failover' }, 'a', [at('x', 'r2')], { x: 1 }],
    ['distribute: the weights of the caller’s entry', distribute, 'a', pods, { a: 0.8, b: 0.2 }],
    ['distribute: a named zone with no pod passes its share on', distribute, 'a', [at('b'), at('c')], { b: 1 }],
    ['distribute: only unnamed zones left, nothing routed', distribute, 'c', [at('a'), at('b')], {}],
    ['distribute: no entry for the caller, all endpoints alike', distribute, 'b', pods, { a: 0.25, b: 0.5, c: 0.25 }],
  ])('%s', (_, policy, from, podsHere, expected) => {
    const split = asObject(zoneSplit(policy, at(from), podsHere));
    expect(Object.keys(split).sort()).toEqual(Object.keys(expected).sort());
    for (const [zone, share] of Object.entries(expected)) expect(split[zone]).toBeCloseTo(share, 9);
  });
});

describe('computeZoneTraffic: calls between zones, hop after hop', () => {
  // web (one pod per zone, 30 rps from outside) → api (one pod per zone) 300 rps → db (pods in a and b) 600 rps.
  const workloads = [
    workload('web', ['a', 'b', 'c'], [{ service: 'api', rps: 300 }]),
    workload('api', ['a', 'b', 'c'], [{ service: 'db', rps: 600 }]),
    workload('db', ['a', 'b']),
  ];
  const traffic = computeTraffic(workloads, [], [], settings);
  const zones = (rules: TrafficDestinationRule[], meshLocalityLb?: boolean) => computeZoneTraffic(workloads, traffic, rules, [], { meshLocalityLb });
  const rules = [rule('web'), rule('api'), rule('db')];

  it('round-robin sends two thirds of calls to another zone when every zone has endpoints', () => {
    const { flows, unroutedRps } = zones(rules, false);
    expect(unroutedRps).toBe(0);
    expect(flows.reduce((n, f) => n + f.rps, 0)).toBeCloseTo(900, 9);
    expect(crossZoneShare(flows.filter((f) => f.to.service === 'api'))).toBeCloseTo(2 / 3, 9);
    // db has no pod in c: calls from c all leave it, those from a and b half.
    expect(crossZoneShare(flows.filter((f) => f.to.service === 'db'))).toBeCloseTo(2 / 3, 9);
  });

  it('same-zone failover keeps calls local; a zone without endpoints fails over to the others', () => {
    const { flows } = zones(rules, true);
    expect(crossZoneShare(flows.filter((f) => f.to.service === 'api'))).toBe(0);
    // api's pod in c has no db pod beside it: its third of the calls to db leaves the zone, split by a and b.
    const fromC = flows.filter((f) => f.to.service === 'db' && f.fromZone === 'c');
    expect(fromC.map((f) => [f.toZone, Number(f.rps.toFixed(6))])).toEqual([
      ['a', 100],
      ['b', 100],
    ]);
    expect(crossZoneShare(flows)).toBeCloseTo(200 / 900, 9);
  });

  it('a distribution sends calls where its weights say, and the callee’s calls leave from where it was called', () => {
    const distribute = {
      enabled: true,
      distribute: [
        { from: 'r1/a/*', to: { 'r1/a/*': 100 } },
        { from: 'r1/b/*', to: { 'r1/b/*': 100 } },
        { from: 'r1/c/*', to: { 'r1/a/*': 50, 'r1/b/*': 50 } },
      ],
    };
    // api's callers in c are sent to a and b, so api's pod in c serves nothing and sends nothing to db.
    const { flows } = zones([rule('web'), rule('api', { localityLbSetting: distribute }), rule('db', { localityLbSetting: distribute })], false);
    const apiIn = new Map<string, number>();
    for (const f of flows.filter((f) => f.to.service === 'api')) apiIn.set(f.toZone, (apiIn.get(f.toZone) ?? 0) + f.rps);
    expect([...apiIn.keys()].sort()).toEqual(['a', 'b']);
    expect(apiIn.get('a')).toBeCloseTo(150, 9);
    expect(apiIn.get('b')).toBeCloseTo(150, 9);
    expect(flows.filter((f) => f.to.service === 'db').every((f) => f.fromZone === f.toZone)).toBe(true);
    expect(crossZoneShare(flows)).toBeCloseTo(100 / 900, 9);
  });
});

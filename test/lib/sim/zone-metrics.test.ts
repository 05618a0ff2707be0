/**
 * The simulated cluster measures calls between zones from the objects it holds, over HTTP: the
 * DestinationRule's locality settings and the Service's trafficDistribution decide where calls land, and
 * `sim_zone_requests_total` (PromQL) and `GET /sim/traffic` report them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimCluster, type ZoneTrafficSummary, startSimCluster } from '../../../lib/sim/index.js';
import { clients, deployment, waitFor } from './sim-test-helpers.js';

let cluster: SimCluster;
const ns = 'default';
const spread = {
  topologySpreadConstraints: [
    { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { track: 'stable' } } },
  ],
};

async function summary(): Promise<ZoneTrafficSummary> {
  const res = await fetch(`${cluster.url}/sim/traffic`);
  expect(res.status).toBe(200);
  return (await res.json()) as ZoneTrafficSummary;
}

async function cartRule(loadBalancer?: Record<string, unknown>): Promise<void> {
  const { custom } = clients(cluster);
  const body = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'cart' },
    spec: { host: 'cart', trafficPolicy: { ...(loadBalancer ? { loadBalancer } : {}), outlierDetection: { consecutive5xxErrors: 5 } } },
  };
  await custom
    .deleteNamespacedCustomObject({ group: 'networking.istio.io', version: 'v1', namespace: ns, plural: 'destinationrules', name: 'cart' })
    .catch(() => undefined);
  await custom.createNamespacedCustomObject({ group: 'networking.istio.io', version: 'v1', namespace: ns, plural: 'destinationrules', body });
}

/** cart's cross-zone share once the traffic model has counted a tick with the current objects. */
async function cartShare(): Promise<number> {
  await cluster.advanceTime(2);
  return (await summary()).services.find((s) => s.service === 'cart')!.crossZoneShare;
}

beforeAll(async () => {
  // One mesh with locality load balancing turned off mesh-wide: round-robin unless a rule says otherwise.
  cluster = await startSimCluster({ readyDelayMs: 0, reconcileIntervalMs: 20, nodesPerZone: 1, meshLocalityLb: false });
  const { apps } = clients(cluster);
  const calls = JSON.stringify([{ service: 'cart', rps: 90 }]);
  await apps.createNamespacedDeployment({
    namespace: ns,
    body: deployment('web', { replicas: 3, annotations: { 'meshplane.io/dependencies': calls }, podSpec: spread }),
  });
  await apps.createNamespacedDeployment({ namespace: ns, body: deployment('cart', { replicas: 3, podSpec: spread }) });
  await waitFor('both spread over the three zones', async () => (await summary()).rps > 0);
}, 30_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('calls between zones in the simulated cluster', () => {
  it('round-robin: two thirds of the calls cross zones, in the metric and the summary', async () => {
    await cartRule();
    expect(await cartShare()).toBeCloseTo(2 / 3, 6);
    // A full window of counts before the rate is read.
    await cluster.advanceTime(20);
    const body = (await (
      await fetch(`${cluster.url}/api/v1/query?query=${encodeURIComponent('sum by (source_zone, destination_zone) (rate(sim_zone_requests_total[10s]))')}`)
    ).json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    const pairs = body.data.result.map((r) => ({ from: r.metric.source_zone, to: r.metric.destination_zone, rps: Number(r.value[1]) }));
    expect(pairs).toHaveLength(9);
    // Counters advance on every tick, so a window edge may cut one (more of one on a loaded machine, where
    // ticks are further apart: 9.925 seen at load 11): rates are close, not exact.
    for (const p of pairs) {
      expect(p.rps).toBeGreaterThan(9.7);
      expect(p.rps).toBeLessThan(10.3);
    }
  });

  it('the rule turns same-zone failover on: no call leaves its zone while it has an endpoint', async () => {
    await cartRule({ localityLbSetting: { enabled: true, failoverPriority: ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone'] } });
    expect(await cartShare()).toBe(0);
  });

  it('a distribution splits each caller zone’s calls by its weights', async () => {
    const r = 'sim-region-1';
    await cartRule({
      localityLbSetting: {
        enabled: true,
        distribute: [
          { from: `${r}/zone-a/*`, to: { [`${r}/zone-a/*`]: 70, [`${r}/zone-b/*`]: 30 } },
          { from: `${r}/zone-b/*`, to: { [`${r}/zone-b/*`]: 100 } },
          { from: `${r}/zone-c/*`, to: { [`${r}/zone-c/*`]: 100 } },
        ],
      },
    });
    expect(await cartShare()).toBeCloseTo(0.3 / 3, 6);
  });

  it("the Service's trafficDistribution counts when the rule says nothing", async () => {
    await cartRule();
    const { core } = clients(cluster);
    await core.createNamespacedService({
      namespace: ns,
      body: { metadata: { name: 'cart' }, spec: { selector: { app: 'cart' }, ports: [{ port: 80 }], trafficDistribution: 'PreferClose' } },
    });
    expect(await cartShare()).toBe(0);
  });
});

/**
 * Zone routing end to end on the local runtime: a three-service chain spread over three zones, a
 * routing decision stored and converged through the path an optimizer run takes (applyRouting, with
 * the zones' regions read from the nodes), the rendered DestinationRules and Service read back through
 * client-node, and the simulated cluster's measured cross-zone share before and after. Then the callee
 * services lose their endpoints in one zone (evacuated, as remediation does) and the callers there
 * fail over to the other zones: no call is lost.
 *
 * The simulated mesh has locality load balancing off mesh-wide (`meshLocalityLb: false`, an install with
 * `meshConfig.localityLbSetting.enabled=false`): round-robin, what the optimizer's uniform model
 * assumes, until a DestinationRule says otherwise. On Istio's default install meshplane's rules (which
 * carry outlierDetection) already prefer the caller's zone; see lib/mesh/locality-lb.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMeshplaneLocal } from '../../cli/local-runtime.js';
import type { LocalRuntime } from '../../lib/local/runtime.js';
import type { RoutingDecision } from '../../lib/model/locality-routing.js';
import type { ServiceSpecInput } from '../../lib/model/service-spec.js';
import type { ZoneTrafficSummary } from '../../lib/sim/index.js';
import { applyRouting, zoneRegions } from '../../lib/usecases/optimizer/apply-routing.js';
import { mutateService } from '../../lib/usecases/shared/mutate.js';
import { waitFor } from '../support/wait-for.js';
import { ClusterView, ISTIO_KINDS, type PodPlacement } from './support/cluster-view.js';
import { MeshplaneApi } from './support/meshplane-api.js';

const ZONES = ['zone-a', 'zone-b', 'zone-c'];
const REGION = 'sim-region-1';

/** web → api 300 rps → db 600 rps: 900 calls per second between mesh services. */
const GRAPH: ServiceSpecInput[] = [spec('web', [{ service: 'api', rps: 300 }]), spec('api', [{ service: 'db', rps: 600 }]), spec('db', [])];
const CALLS_RPS = 900;

function spec(name: string, dependencies: { service: string; rps: number }[]): ServiceSpecInput {
  return { name, image: `registry.example.com/shop/${name}:1.0.0`, port: 8080, replicas: 3, resources: { cpu: 100, memory: 128 }, dependencies };
}

/** Calls to api: 90 % stay in the caller's zone, 5 % to each other zone (a capacity-capped split). */
const DECISION: RoutingDecision = {
  api: {
    mode: 'distribute',
    distribute: ZONES.map((from) => ({ from, to: Object.fromEntries(ZONES.map((z) => [z, z === from ? 90 : 5])) })),
  },
  db: { mode: 'preferSameZone' },
};

let runtime: LocalRuntime;
let api: MeshplaneApi;
let cluster: ClusterView;
const figures: Record<string, number> = {};

beforeAll(async () => {
  process.env.LOG_LEVEL = 'SILENT';
  runtime = await startMeshplaneLocal({
    port: 0,
    timeFactor: 0.02,
    visibilityTimeoutSeconds: 1,
    // No probe during the file (a day of scaled time is 29 min): the evacuation below writes the avoided
    // nodes straight into the records, with no remediation in the ledger, so the probe would rightly lift
    // them at its next tick (their nodes are Ready; see usecases/health/recovered-nodes.ts) and the pods
    // would come back to zone-c. That tick came before the traffic was counted once the machine was loaded.
    probePeriodSeconds: 86_400,
    sim: { readyDelayMs: 0, nodesPerZone: 2, meshLocalityLb: false },
  });
  api = new MeshplaneApi(runtime.url, runtime);
  cluster = new ClusterView(runtime.kubeconfigPath!);
}, 30_000);

afterAll(async () => {
  await runtime?.stop();
  if (Object.keys(figures).length > 0) console.log(JSON.stringify({ figures: 'locality-routing', ...figures }));
});

/** The simulated cluster's zone summary once it satisfies `ready` (it is recomputed on every tick). */
async function traffic(what: string, ready: (s: ZoneTrafficSummary) => boolean): Promise<ZoneTrafficSummary> {
  return waitFor(
    what,
    async () => {
      const s = runtime.sim!.zoneTraffic();
      return ready(s) ? s : undefined;
    },
    { timeoutMs: 60_000 },
  );
}

/** Ready pods of each service of the graph. */
async function readyPods(): Promise<Map<string, PodPlacement[]>> {
  return new Map(await Promise.all(GRAPH.map(async (s) => [s.name, (await cluster.servicePods(s.name)).filter((p) => p.ready && p.zone)] as const)));
}

const share = (s: ZoneTrafficSummary, service: string) => s.services.find((x) => x.service === service)?.crossZoneShare;
const allCounted = (s: ZoneTrafficSummary) => Math.abs(s.rps - CALLS_RPS) < 1e-6;

describe('zone routing decided for the services, rendered, and measured in the simulated cluster', { timeout: 300_000 }, () => {
  it('spread over three zones with round-robin, two thirds of the calls cross zones', async () => {
    for (const s of GRAPH) await api.register(s);
    for (const s of GRAPH) await api.waitForReadyReplicas(s.name, 3);
    // One replica per zone: the scheduler's zone spread.
    await waitFor('one replica of each service per zone', async () => {
      const pods = await readyPods();
      return GRAPH.every((s) => ZONES.every((z) => pods.get(s.name)!.filter((p) => p.zone === z).length === 1));
    });
    const before = await traffic('all calls counted', allCounted);
    figures.crossZoneShareBefore = before.crossZoneShare;
    expect(before.crossZoneShare).toBeCloseTo(2 / 3, 6);
    expect((await cluster.istio(ISTIO_KINDS.DestinationRule, 'api'))?.spec?.trafficPolicy?.loadBalancer).toBeUndefined();
  });

  it('the routing decision is stored, rendered as locality settings with outlier detection, and the share drops', async () => {
    const nodes = await (await runtime.app.clusters.forCluster((await runtime.app.store.listClusters())[0])).listNodes();
    const regions = zoneRegions(nodes);
    expect(regions).toEqual(Object.fromEntries(ZONES.map((z) => [z, REGION])));
    const outcomes = await applyRouting(
      runtime.app,
      DECISION,
      GRAPH.map((s) => s.name),
      'opt-e2e',
      regions,
    );
    expect(outcomes).toEqual([
      { service: 'api', mode: 'distribute', outcome: 'applied' },
      { service: 'db', mode: 'preferSameZone', outcome: 'applied' },
      { service: 'web', mode: 'uniform', outcome: 'applied' },
    ]);
    // Delivered twice, it changes nothing.
    expect((await applyRouting(runtime.app, DECISION, ['api', 'db', 'web'], 'opt-e2e-2', regions)).map((o) => o.outcome)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
    ]);

    const apiRule = (await cluster.istio(ISTIO_KINDS.DestinationRule, 'api'))!.spec!.trafficPolicy;
    expect(apiRule.loadBalancer.localityLbSetting).toEqual({
      enabled: true,
      distribute: ZONES.map((from) => ({
        from: `${REGION}/${from}/*`,
        to: Object.fromEntries(ZONES.map((z) => [`${REGION}/${z}/*`, z === from ? 90 : 5])),
      })),
    });
    expect(apiRule.outlierDetection).toBeDefined();
    const dbRule = (await cluster.istio(ISTIO_KINDS.DestinationRule, 'db'))!.spec!.trafficPolicy;
    expect(dbRule.loadBalancer.localityLbSetting).toEqual({
      enabled: true,
      failoverPriority: ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone'],
    });
    expect(dbRule.outlierDetection).toBeDefined();
    expect((await cluster.istio(ISTIO_KINDS.DestinationRule, 'web'))!.spec!.trafficPolicy.loadBalancer.localityLbSetting).toEqual({ enabled: false });
    // Same-zone preference for clients outside the mesh too; the others leave it unset.
    expect((await cluster.core.readNamespacedService({ name: 'db', namespace: 'default' })).spec?.trafficDistribution).toBe('PreferClose');
    expect((await cluster.core.readNamespacedService({ name: 'api', namespace: 'default' })).spec?.trafficDistribution).toBeUndefined();
    expect((await api.events('api')).some((e) => e.type === 'RoutingChanged')).toBe(true);

    // api: 10 % of web's 300 rps leave the zone; db: none of api's 600. 30 / 900 in all.
    const after = await traffic('the new rules counted', (s) => allCounted(s) && s.crossZoneShare < 0.5);
    figures.crossZoneShareAfter = after.crossZoneShare;
    expect(share(after, 'api')).toBeCloseTo(0.1, 6);
    expect(share(after, 'db')).toBe(0);
    expect(after.crossZoneShare).toBeCloseTo(30 / CALLS_RPS, 6);
  });

  it('when api and db lose their endpoints in one zone, that zone’s callers fail over and no call is lost', async () => {
    const nodes = (await cluster.core.listNode()).items
      .filter((n) => n.metadata?.labels?.['topology.kubernetes.io/zone'] === 'zone-c')
      .map((n) => n.metadata!.name!)
      .sort();
    // How remediation evacuates a zone: the service record avoids its nodes, and the converger moves the pods
    // (written here directly, without the ledger entry that keeps a Ready node avoided: the probe is off).
    for (const service of ['api', 'db'])
      await mutateService(runtime.app, service, (svc) => ({ record: { ...svc, placement: { runId: 'e2e-evacuation', avoidNodes: nodes } } }));
    await waitFor(
      'api and db have left zone-c',
      async () => {
        const pods = await readyPods();
        const moved = [...pods.get('api')!, ...pods.get('db')!];
        return moved.length === 6 && moved.every((p) => p.zone !== 'zone-c') && pods.get('web')!.some((p) => p.zone === 'zone-c');
      },
      // Six pods rescheduled one converge at a time: under 1 s alone, under 2 s at load 5. (The timeouts once
      // seen here were the probe moving the pods back; it is off now.)
      { timeoutMs: 60_000 },
    );
    const failedOver = await traffic('the evacuation counted', (s) => allCounted(s) && s.zones.every((z) => z.to !== 'zone-c'));
    expect(failedOver.unroutedRps).toBe(0);
    // web's pod in zone-c calls api in zone-a and zone-b alike (its 90 % share passes to the two 5 % zones).
    const fromC = failedOver.zones.filter((z) => z.from === 'zone-c');
    expect(fromC.map((z) => z.to).sort()).toEqual(['zone-a', 'zone-b']);
    for (const z of fromC) expect(z.rps).toBeCloseTo(50, 6);
    figures.crossZoneShareZoneCEvacuated = failedOver.crossZoneShare;
  });
});

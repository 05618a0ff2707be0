/**
 * The observed call graph end to end over real parts: the simulated cluster counts caller-side calls,
 * errors and latency per edge and serves them over its Prometheus HTTP API; the Prometheus adapter reads
 * them in three queries; `recordEdgeTraffic` writes them to the store (DynamoDB adapter on dynalite); and
 * `meshView` (what `GET /v1/mesh` answers) serves them beside the declared edges, with their age.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchMetricsSource } from '../../../../lib/adapters/metrics/cloudwatch-metrics-source.js';
import { PrometheusMetricsSource } from '../../../../lib/adapters/metrics/prometheus-metrics-source.js';
import { DynamoDbStateStore } from '../../../../lib/adapters/dynamodb/dynamodb-state-store.js';
import { DEFAULT_CLOUDWATCH_LAYOUT } from '../../../../lib/composition/metrics-source-setting.js';
import { provisionTable } from '../../../../lib/local/provision.js';
import { OBSERVED_EDGES_DOC, OBSERVED_EDGES_ID, type ObservedEdges } from '../../../../lib/model/observed-edges.js';
import type { MetricsSource } from '../../../../lib/ports/metrics-source.js';
import { startSimCluster, type SimCluster } from '../../../../lib/sim/index.js';
import { latencyCdf } from '../../../../lib/sim/traffic-model.js';
import { meshView } from '../../../../lib/usecases/queries/mesh-view.js';
import { recordEdgeTraffic } from '../../../../lib/usecases/traffic/record-edge-traffic.js';
import { useTestStack } from '../../../support/local-stack.js';
import { service } from '../optimizer/placement-fixtures.js';
import { clients, deployment, waitFor } from '../../sim/sim-test-helpers.js';

const stack = useTestStack();
let sim: SimCluster;
let tables = 0;

const CART_IMAGE = 'example/cart:1.0';
const deps = (calls: { service: string; rps: number }[]) => ({ 'meshplane.io/dependencies': JSON.stringify(calls) });

/**
 * What histogram_quantile answers for a log-normal latency with a p99 of 300 ms over Istio's buckets:
 * the 0.99 rank falls in (250, 500] and is interpolated linearly there.
 */
const P99_FROM_BUCKETS = 250 + (250 * (0.99 - latencyCdf(300, 250))) / (latencyCdf(300, 500) - latencyCdf(300, 250));

/** Counts advance per tick in wall time too, so the last moment of a window may be missing: allow 1 %. */
function expectNear(actual: number | undefined, expected: number, tolerance = 0.01): void {
  expect(actual).toBeDefined();
  expect(Math.abs(actual! - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance * Math.abs(expected));
}

beforeAll(async () => {
  // One node per zone; each service has a pod in every zone and no DestinationRule: calls go round-robin, 2/3 cross a zone.
  sim = await startSimCluster({ readyDelayMs: 0, reconcileIntervalMs: 20, nodesPerZone: 1 });
  const { apps } = clients(sim);
  const create = (body: ReturnType<typeof deployment>) => apps.createNamespacedDeployment({ namespace: 'default', body });
  await create(deployment('frontend', { replicas: 3, annotations: deps([{ service: 'cart', rps: 50 }]) }));
  await create(deployment('cart', { replicas: 3, image: CART_IMAGE }));
  // A caller meshplane does not manage: its calls show in the metrics, not in the mesh view.
  await create(deployment('batch', { replicas: 1, annotations: deps([{ service: 'cart', rps: 5 }]) }));
  sim.faults.traffic({ image: CART_IMAGE, errorRate: 0.2, p99LatencyMs: 300 });
  await waitFor('every pod Ready', () => sim.faults.state().pods.ready === 7);
  // The first tick of a workload starts its counters; two minutes fill a 60 s window.
  await sim.advanceTime(120);
}, 60_000);

afterAll(async () => {
  await sim?.stop();
});

/** A store on a table of its own, with frontend (declaring 40 rps to cart) and cart registered, and the simulated cluster. */
async function world() {
  const tableName = `edge-traffic-${++tables}`;
  await provisionTable(stack().dynamo, tableName);
  const store = new DynamoDbStateStore(stack().dynamo, tableName);
  for (const record of [service('frontend', { dependencies: [{ service: 'cart', rps: 40 }] }), service('cart')])
    await store.commitServiceChange({ service: record, expectedVersion: null, events: [] });
  await store.putCluster({ id: 'local', default: true, target: { kind: 'simulated', url: sim.url }, createdAt: new Date(0).toISOString() });
  return store;
}

const at = (iso: string) => ({ now: () => new Date(iso) });

describe('PrometheusMetricsSource.edgeTraffic on the simulated cluster', () => {
  it('reads each edge: calls, 5xx, the p99 its callers saw and how many calls crossed a zone', async () => {
    const edges = await PrometheusMetricsSource.fromOptions({ url: sim.url }).edgeTraffic(60);
    expect(edges.map((e) => `${e.from}>${e.to}`)).toEqual(['batch>cart', 'frontend>cart']);
    const frontend = edges[1];
    expectNear(frontend.rps, 50);
    expectNear(frontend.errorRps, 10);
    expectNear(frontend.p99LatencyMs, P99_FROM_BUCKETS);
    expectNear(frontend.zones!.rps, 50);
    expectNear(frontend.zones!.crossZoneRps / frontend.zones!.rps, 2 / 3);
    // The zone figure agrees with the cluster's own summary of its calls (only frontend and batch call anyone).
    const summary = (await (await fetch(`${sim.url}/sim/traffic`)).json()) as { services: { service: string; crossZoneShare: number }[] };
    expect(summary.services.find((s) => s.service === 'cart')?.crossZoneShare).toBeGreaterThan(0.6);
  });
});

describe('recordEdgeTraffic and the mesh view', () => {
  it('records the edges between registered services once per source, and the mesh view serves them with their age', async () => {
    const store = await world();
    const metrics = PrometheusMetricsSource.fromOptions({ url: sim.url });
    const result = await recordEdgeTraffic({ store, clock: at('2030-01-01T00:00:00.000Z'), metrics, metricsFor: () => metrics });
    expect(result).toEqual({ edges: 1, sources: 1, errors: [] });

    const view = await meshView({ store, clock: at('2030-01-01T00:00:30.000Z') });
    expect(view.traffic).toEqual({ observedAt: '2030-01-01T00:00:00.000Z', ageSeconds: 30, windowSeconds: 60 });
    expect(view.edges).toHaveLength(1);
    const [edge] = view.edges;
    expect(edge).toMatchObject({ from: 'frontend', to: 'cart', source: 'both', declaredRps: 40, crossZoneShareFrom: 'observed' });
    expectNear(edge.observed!.rps, 50);
    expectNear(edge.observed!.errorRate, 0.2);
    expectNear(edge.observed!.p99LatencyMs, P99_FROM_BUCKETS);
    expectNear(edge.crossZoneShare, 2 / 3);
    expect(edge.dollarsPerMonth).toBeGreaterThan(0);
  });

  it('a source that cannot be read leaves the last figures with their time and says why', async () => {
    const store = await world();
    const good = PrometheusMetricsSource.fromOptions({ url: sim.url });
    await recordEdgeTraffic({ store, clock: at('2030-01-01T00:00:00.000Z'), metrics: good });
    // Nothing listens on port 1: the connection is refused.
    const gone = PrometheusMetricsSource.fromOptions({ url: 'http://127.0.0.1:1', timeoutMs: 2_000 });
    const result = await recordEdgeTraffic({ store, clock: at('2030-01-01T00:05:00.000Z'), metrics: gone });
    expect(result.errors).toEqual([expect.stringMatching(/^cluster local: per-edge traffic could not be read: /)]);

    const view = await meshView({ store, clock: at('2030-01-01T00:05:00.000Z') });
    expect(view.traffic).toMatchObject({ observedAt: '2030-01-01T00:00:00.000Z', ageSeconds: 300, problems: result.errors });
    expect(view.edges[0]).toMatchObject({ source: 'both', observed: expect.objectContaining({ rps: expect.any(Number) }) });
  });

  it('a source without per-edge telemetry (CloudWatch) is no error: the record says so and edges stay declared', async () => {
    const store = await world();
    const cloudWatch: MetricsSource = new CloudWatchMetricsSource({ config: { namespace: 'Meshplane/Istio', ...DEFAULT_CLOUDWATCH_LAYOUT } });
    const result = await recordEdgeTraffic({ store, clock: at('2030-01-01T00:00:00.000Z'), metrics: cloudWatch });
    expect(result).toEqual({ edges: 0, sources: 1, errors: [] });
    const doc = await store.getDocument<ObservedEdges>(OBSERVED_EDGES_DOC, OBSERVED_EDGES_ID);
    expect(doc?.value).toEqual({
      edges: [],
      observedAt: '2030-01-01T00:00:00.000Z',
      windowSeconds: 60,
      problems: ['cluster local: the metrics source reports no per-edge traffic'],
    });
    const view = await meshView({ store, clock: at('2030-01-01T00:00:10.000Z') });
    expect(view.edges).toEqual([expect.objectContaining({ from: 'frontend', to: 'cart', source: 'declared', declaredRps: 40 })]);
    expect(view.edges[0].observed).toBeUndefined();
  });
});

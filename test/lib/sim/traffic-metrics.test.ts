import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCountQuery, latencyQuantileQuery, requestCountQuery } from '../../../lib/model/istio-metrics.js';
import { type SimCluster, startSimCluster } from '../../../lib/sim/index.js';
import { clients, deployment, waitFor } from './sim-test-helpers.js';

let cluster: SimCluster;

async function query(q: string, method: 'GET' | 'POST' = 'GET'): Promise<number | undefined> {
  const res =
    method === 'GET'
      ? await fetch(`${cluster.url}/api/v1/query?query=${encodeURIComponent(q)}`)
      : await fetch(`${cluster.url}/api/v1/query`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ query: q }),
        });
  const body = (await res.json()) as { status: string; data: { resultType: string; result: { value: [number, string] }[] } };
  expect(body.status).toBe('success');
  expect(body.data.resultType).toBe('vector');
  return body.data.result.length === 0 ? undefined : Number(body.data.result[0].value[1]);
}

const ns = 'default';

beforeAll(async () => {
  cluster = await startSimCluster({ readyDelayMs: 20, reconcileIntervalMs: 20 });
  const { apps, custom } = clients(cluster);
  await apps.createNamespacedDeployment({
    namespace: ns,
    body: deployment('frontend', { replicas: 2, annotations: { 'meshplane.io/dependencies': JSON.stringify([{ service: 'cart', rps: 50 }]) } }),
  });
  await apps.createNamespacedDeployment({ namespace: ns, body: deployment('cart', { replicas: 3, image: 'example/cart:1.0' }) });
  await apps.createNamespacedDeployment({
    namespace: ns,
    body: deployment('cart-canary', { app: 'cart', track: 'canary', replicas: 1, image: 'example/cart:2.0' }),
  });
  await custom.createNamespacedCustomObject({
    group: 'networking.istio.io',
    version: 'v1',
    namespace: ns,
    plural: 'destinationrules',
    body: {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'cart' },
      spec: {
        host: 'cart',
        subsets: [
          { name: 'stable', labels: { track: 'stable' } },
          { name: 'canary', labels: { track: 'canary' } },
        ],
      },
    },
  });
  await custom.createNamespacedCustomObject({
    group: 'networking.istio.io',
    version: 'v1',
    namespace: ns,
    plural: 'virtualservices',
    body: {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'cart' },
      spec: {
        hosts: ['cart'],
        http: [
          {
            route: [
              { destination: { host: 'cart', subset: 'stable' }, weight: 90 },
              { destination: { host: 'cart', subset: 'canary' }, weight: 10 },
            ],
          },
        ],
      },
    },
  });
  cluster.faults.traffic({ image: 'example/cart:2.0', errorRate: 0.2, p99LatencyMs: 400 });
  await waitFor('all pods ready', () => cluster.faults.state().pods.ready === 6);
  await cluster.advanceTime(120);
});
afterAll(async () => cluster?.stop());

describe('Prometheus query API over the synthetic traffic', () => {
  it.each([
    ['frontend (external load only)', 'frontend', 20 * 60],
    ['cart stable (90% of 50 rps)', 'cart', 0.9 * 50 * 60],
    ['cart canary (10% of 50 rps)', 'cart-canary', 0.1 * 50 * 60],
  ])('counts requests of %s over 60 s', async (_label, workload, expected) => {
    const count = await query(requestCountQuery({ namespace: ns, workload }, 60));
    expect(count).toBeGreaterThan(expected * 0.98);
    expect(count).toBeLessThan(expected * 1.03);
  });

  it('shows the injected error rate in errorCountQuery, and the base rate elsewhere', async () => {
    const canaryErrors = (await query(errorCountQuery({ namespace: ns, workload: 'cart-canary' }, 60), 'POST')) as number;
    const canaryRequests = (await query(requestCountQuery({ namespace: ns, workload: 'cart-canary' }, 60))) as number;
    // The two queries run a moment apart while the cluster's clock runs on: on a loaded machine their
    // windows end a fraction of a second apart, so the ratio is 0.2 to within a few tenths of a per cent.
    expect(canaryErrors / canaryRequests).toBeCloseTo(0.2, 2);
    const stableErrors = (await query(errorCountQuery({ namespace: ns, workload: 'cart' }, 60))) as number;
    const stableRequests = (await query(requestCountQuery({ namespace: ns, workload: 'cart' }, 60))) as number;
    expect(stableErrors / stableRequests).toBeCloseTo(0.001, 4);
  });

  it('reports a p99 near the base 40 ms for stable and inside the 250–500 ms bucket for the slow canary', async () => {
    const stable = (await query(latencyQuantileQuery({ namespace: ns, workload: 'cart' }, 0.99, 60))) as number;
    expect(stable).toBeGreaterThan(25);
    expect(stable).toBeLessThanOrEqual(50);
    const canary = (await query(latencyQuantileQuery({ namespace: ns, workload: 'cart-canary' }, 0.99, 60))) as number;
    expect(canary).toBeGreaterThan(250);
    expect(canary).toBeLessThanOrEqual(500);
  });

  it('answers an empty vector for an unknown workload and 400 bad_data for an unsupported query', async () => {
    expect(await query(requestCountQuery({ namespace: ns, workload: 'ghost' }, 60))).toBeUndefined();
    const res = await fetch(`${cluster.url}/api/v1/query?query=${encodeURIComponent('avg(istio_requests_total)')}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ status: 'error', errorType: 'bad_data' });
  });

  it('shifts traffic when the VirtualService weights change', async () => {
    const { objects } = clients(cluster);
    await objects.patch(
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'cart', namespace: ns },
        spec: {
          hosts: ['cart'],
          http: [
            {
              route: [
                { destination: { host: 'cart', subset: 'stable' }, weight: 50 },
                { destination: { host: 'cart', subset: 'canary' }, weight: 50 },
              ],
            },
          ],
        },
      } as never,
      undefined,
      undefined,
      'meshplane',
      true,
      'application/apply-patch+yaml',
    );
    await cluster.advanceTime(30);
    const canary = (await query(requestCountQuery({ namespace: ns, workload: 'cart-canary' }, 30))) as number;
    expect(canary).toBeGreaterThan(0.5 * 50 * 30 * 0.97);
    expect(canary).toBeLessThan(0.5 * 50 * 30 * 1.03);
  });
});

/**
 * The Prometheus adapter against the simulated cluster's query API (`lib/sim`): a Deployment labelled
 * `app` receives simulated traffic, and the adapter's Istio queries read it back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusMetricsSource } from '../../../../lib/adapters/metrics/prometheus-metrics-source.js';
import { startSimCluster, type SimCluster } from '../../../../lib/sim/index.js';

let sim: SimCluster;

beforeAll(async () => {
  sim = await startSimCluster({ readyDelayMs: 0, externalRps: 20, baseErrorRate: 0, baseP99LatencyMs: 40, nodesPerZone: 1 });
  await createDeployment('cart', 'cart:1');
  await createDeployment('cart-canary', 'cart:2', 'cart');
  await waitUntil(async () => (await readyReplicas('cart')) >= 1 && (await readyReplicas('cart-canary')) >= 1);
});

afterAll(async () => {
  await sim?.stop();
});

describe('PrometheusMetricsSource on the simulated cluster', () => {
  it('reads request counts and latency of a workload with traffic', async () => {
    await sim.advanceTime(60);
    const metrics = await PrometheusMetricsSource.fromOptions({ url: sim.url }).workloadMetrics('default', 'cart', 30, { latencyHistogram: true });
    expect(metrics.requests).toBeGreaterThan(0);
    expect(metrics.errors).toBe(0);
    expect(metrics.p99LatencyMs).toBeGreaterThan(0);
    // The duration histogram: Istio's bounds, cumulative, its count the requests served (each query reads the running clock anew, so only about).
    const histogram = metrics.latency!;
    expect(Math.abs(histogram.count - metrics.requests)).toBeLessThan(metrics.requests * 0.1);
    expect(histogram.buckets.map((b) => b.le)).toEqual([...histogram.buckets.map((b) => b.le)].sort((a, b) => a - b));
    expect(histogram.buckets.every((b, i) => i === 0 || b.count >= histogram.buckets[i - 1].count)).toBe(true);
    expect(histogram.buckets.find((b) => b.le === 100)!.count / histogram.count).toBeGreaterThan(0.999); // p99 40 ms: nearly all within 100 ms
  });

  it('sees the error rate and latency a traffic fault injects into the canary image only', async () => {
    sim.faults.traffic({ image: 'cart:2', errorRate: 0.5, p99LatencyMs: 900 });
    await sim.advanceTime(60);
    const source = PrometheusMetricsSource.fromOptions({ url: sim.url });
    const [canary, stable] = await Promise.all([
      source.workloadMetrics('default', 'cart-canary', 30, { latencyHistogram: true }),
      source.workloadMetrics('default', 'cart', 30, { latencyHistogram: true }),
    ]);
    expect(canary.requests).toBeGreaterThan(0);
    expect(canary.errorRate).toBeGreaterThan(0.3);
    expect(canary.errorRate).toBeLessThan(0.7);
    expect(canary.p99LatencyMs).toBeGreaterThan(500);
    expect(stable.errorRate).toBeLessThan(0.05);
    const slowShare = (m: typeof canary) => 1 - m.latency!.buckets.find((b) => b.le === 250)!.count / m.latency!.count;
    expect(slowShare(canary)).toBeGreaterThan(0.05);
    expect(slowShare(stable)).toBeLessThan(0.001);
  });

  it('reads a workload that does not exist as idle', async () => {
    const metrics = await PrometheusMetricsSource.fromOptions({ url: sim.url }).workloadMetrics('default', 'nobody', 30);
    expect(metrics).toEqual({ requests: 0, errors: 0, errorRate: 0, p99LatencyMs: undefined });
  });
});

async function kube(method: string, path: string, body?: unknown): Promise<Record<string, any>> {
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenOf(sim.kubeconfigYaml())}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, any>;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

function tokenOf(kubeconfig: string): string {
  return /token:\s*"?([^\s"]+)"?/.exec(kubeconfig)?.[1] ?? '';
}

async function createDeployment(name: string, image: string, app = name): Promise<void> {
  const labels = { app, 'app.kubernetes.io/managed-by': 'meshplane' };
  await kube('POST', '/apis/apps/v1/namespaces/default/deployments', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app, track: name === app ? 'stable' : 'canary' } },
      template: {
        metadata: { labels: { ...labels, track: name === app ? 'stable' : 'canary' } },
        spec: { containers: [{ name: 'app', image, resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
      },
    },
  });
}

async function readyReplicas(name: string): Promise<number> {
  const d = await kube('GET', `/apis/apps/v1/namespaces/default/deployments/${name}`);
  return (d.status?.readyReplicas as number | undefined) ?? 0;
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the simulated workloads to become ready');
    await sim.advanceTime(1);
  }
}

/**
 * Per-edge call rates end to end: the simulated cluster counts caller-side (`reporter="source"`) calls,
 * its query API answers `serviceCallRatesQuery`, and the Prometheus adapter turns the answer into
 * service-to-service rates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusMetricsSource } from '../../../../lib/adapters/metrics/prometheus-metrics-source.js';
import { requestCountQuery } from '../../../../lib/model/istio-metrics.js';
import type { ServiceCallRate } from '../../../../lib/ports/metrics-source.js';
import { startSimCluster, type SimCluster } from '../../../../lib/sim/index.js';
import { clients, deployment, waitFor } from '../../sim/sim-test-helpers.js';

let sim: SimCluster;

/**
 * The simulated clock also runs in wall time and traffic is counted on each tick, so the last moments
 * of a window may not be counted yet when the query arrives (more so on a busy machine): allow 1 %.
 */
function expectNear(actual: number | undefined, expected: number): void {
  expect(actual).toBeDefined();
  expect(Math.abs(actual! - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(0.01 * expected);
}

const deps = (calls: { service: string; rps: number }[]) => ({ 'meshplane.io/dependencies': JSON.stringify(calls) });

beforeAll(async () => {
  sim = await startSimCluster({ readyDelayMs: 0, reconcileIntervalMs: 20, baseErrorRate: 0.1, nodesPerZone: 1 });
  const { apps } = clients(sim);
  const create = (body: ReturnType<typeof deployment>) => apps.createNamespacedDeployment({ namespace: body.metadata!.namespace!, body });
  await create(deployment('frontend', { replicas: 1, annotations: deps([{ service: 'cart', rps: 50 }]) }));
  // cart's stable and canary workloads both call pricing; traffic splits 2:1 by ready replicas (no VirtualService).
  await create(deployment('cart', { replicas: 2, annotations: deps([{ service: 'pricing', rps: 30 }]) }));
  await create(deployment('cart-canary', { app: 'cart', track: 'canary', replicas: 1, annotations: deps([{ service: 'pricing', rps: 30 }]) }));
  await create(deployment('pricing', { replicas: 1 }));
  // Same service name in another namespace: a different service.
  await apps.createNamespacedDeployment({
    namespace: 'kube-public',
    body: deployment('pricing', { namespace: 'kube-public', replicas: 1, annotations: deps([{ service: 'frontend', rps: 7 }]) }),
  });
  await waitFor('every pod Ready', () => sim.faults.state().pods.ready === 6);
  // The first tick of a workload starts its counters; two minutes fill a 60 s window completely.
  await sim.advanceTime(120);
});

afterAll(async () => {
  await sim?.stop();
});

describe('PrometheusMetricsSource.callRates on the simulated cluster', () => {
  let rates: ServiceCallRate[];

  it('reads one rate per caller and callee service, canary and stable added up, errors included', async () => {
    rates = await PrometheusMetricsSource.fromOptions({ url: sim.url }).callRates(60);
    const table = Object.fromEntries(rates.map((r) => [`${r.fromNamespace}/${r.from}>${r.toNamespace}/${r.to}`, r.rps]));
    expect(Object.keys(table).sort()).toEqual(['default/cart>default/pricing', 'default/frontend>default/cart', 'kube-public/pricing>default/frontend']);
    expectNear(table['default/frontend>default/cart'], 50);
    // 2/3 of cart's traffic × 30 (stable) + 1/3 × 30 (canary).
    expectNear(table['default/cart>default/pricing'], 30);
    expectNear(table['kube-public/pricing>default/frontend'], 7);
  });

  it('the destination-side series the rollout analysis reads are unchanged by the caller-side ones', async () => {
    const res = await fetch(`${sim.url}/api/v1/query?query=${encodeURIComponent(requestCountQuery({ namespace: 'default', workload: 'pricing' }, 60))}`);
    const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
    // pricing serves cart's 30 rps (nobody else in default calls it): 60 s × 30.
    expectNear(Number(body.data.result[0].value[1]), 1_800);
  });

  it('a deleted workload takes its edges with it', async () => {
    await clients(sim).apps.deleteNamespacedDeployment({ name: 'pricing', namespace: 'kube-public' });
    await waitFor('the kube-public pricing pods to go', () => sim.faults.state().pods.ready === 5);
    await sim.advanceTime(2);
    const after = await PrometheusMetricsSource.fromOptions({ url: sim.url }).callRates(60);
    expect(after.map((r) => `${r.fromNamespace}/${r.from}`).sort()).toEqual(['default/cart', 'default/frontend']);
  });
});

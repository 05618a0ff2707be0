/**
 * The simulated cluster's Eviction API against PodDisruptionBudgets, driven through the real cluster
 * adapter (client-node over HTTP), with the objects meshplane renders for a service.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesClusterClientFactory } from '../../../lib/adapters/kubernetes/kubernetes-cluster-client-factory.js';
import { renderService } from '../../../lib/mesh/render-service.js';
import { ServiceSpec } from '../../../lib/model/service-spec.js';
import type { ClusterClient, PodInfo } from '../../../lib/ports/cluster-client.js';
import { type SimCluster, startSimCluster } from '../../../lib/sim/index.js';

let sim: SimCluster;
let client: ClusterClient;

const spec = ServiceSpec.parse({ name: 'cart', namespace: 'default', image: 'registry.example.com/cart:1.0.0', port: 8080, replicas: 3 });

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const pods = (): Promise<PodInfo[]> => client.listPods('default', 'app=cart');
const readyPods = async (): Promise<PodInfo[]> => (await pods()).filter((p) => p.ready && p.node);

beforeAll(async () => {
  sim = await startSimCluster({ readyDelayMs: 300, reconcileIntervalMs: 20 });
  client = await new KubernetesClusterClientFactory({ retryPolicy: { maxAttempts: 2 } }).forCluster({
    id: 'sim',
    default: true,
    target: { kind: 'simulated', url: sim.url },
  });
  await client.apply(renderService(spec, { revision: 1, callers: [], dependencies: [] }));
  expect((await eventually(readyPods, (p) => p.length === 3)).length).toBe(3);
});

afterAll(async () => {
  await sim?.stop();
});

describe('Eviction API with the rendered PodDisruptionBudget (maxUnavailable 1 of 3)', () => {
  it('the rendered objects schedule: 3 Ready pods, at most one per node', async () => {
    const ready = await readyPods();
    expect(new Set(ready.map((p) => p.node)).size).toBe(3);
  });

  it('evicts one pod, refuses a second while the first is being replaced, and allows it once all are Ready again', async () => {
    const [first, second] = await readyPods();
    expect(await client.evictPod('default', first.name)).toBe('evicted');
    expect(await client.evictPod('default', second.name)).toBe('blocked');
    const after = await eventually(readyPods, (p) => p.length === 3 && !p.some((x) => x.name === first.name));
    expect(after.map((p) => p.name)).not.toContain(first.name);
    // Only the evicted pod was replaced.
    expect(after.map((p) => p.name)).toEqual(expect.arrayContaining([second.name]));
    expect(await client.evictPod('default', second.name)).toBe('evicted');
  });

  it('reports a pod that no longer exists as gone', async () => {
    expect(await client.evictPod('default', 'cart-no-such-pod')).toBe('gone');
  });

  it('labels and unlabels a node', async () => {
    const [node] = await client.listNodes();
    await client.labelNode(node.name, { 'placement.meshplane.io/cart': 'next' });
    expect((await client.listNodes()).find((n) => n.name === node.name)?.labels['placement.meshplane.io/cart']).toBe('next');
    await client.labelNode(node.name, { 'placement.meshplane.io/cart': null });
    expect((await client.listNodes()).find((n) => n.name === node.name)?.labels).not.toHaveProperty('placement.meshplane.io/cart');
  });
});

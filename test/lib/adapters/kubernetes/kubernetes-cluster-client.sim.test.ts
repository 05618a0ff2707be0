/**
 * Integration: the adapter, through the real @kubernetes/client-node over HTTP, against the simulated
 * cluster (lib/sim). An independent client-node KubernetesObjectApi built from the simulator's own
 * kubeconfig observes the results, so the assertions do not go through the code under test.
 */
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TerminalError, TransientError } from '../../../../lib/errors.js';
import type { ClusterClient, KubeObject } from '../../../../lib/ports/cluster-client.js';
import type { RetryPolicy } from '../../../../lib/adapters/kubernetes/retry-policy.js';
import type { RetryRuntime } from '../../../../lib/adapters/kubernetes/call-with-retries.js';
import { KubernetesClusterClientFactory } from '../../../../lib/adapters/kubernetes/kubernetes-cluster-client-factory.js';
import { type SimCluster, startSimCluster } from '../../../../lib/sim/index.js';

const NS = 'shop';
const OWNED = { 'meshplane.io/service': 'cart', 'app.kubernetes.io/managed-by': 'meshplane' };

function deployment(name: string, track: string, labels: Record<string, string> = OWNED, replicas = 2): KubeObject {
  const podLabels = { app: 'cart', track };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS, labels: { ...labels, ...podLabels } },
    spec: {
      replicas,
      selector: { matchLabels: podLabels },
      template: {
        metadata: { labels: podLabels },
        spec: {
          containers: [{ name: 'app', image: `cart:${track}`, resources: { requests: { cpu: '100m', memory: '128Mi' } } }],
        },
      },
    },
  };
}

function owned(apiVersion: string, kind: string, spec: Record<string, unknown> = {}): KubeObject {
  return { apiVersion, kind, metadata: { name: 'cart', namespace: NS, labels: { ...OWNED } }, ...(Object.keys(spec).length ? { spec } : {}) };
}

const namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } };
const serviceAccount = owned('v1', 'ServiceAccount');
const stable = deployment('cart', 'stable');
const canary = deployment('cart-canary', 'canary', OWNED, 1);
const service = owned('v1', 'Service', { selector: { app: 'cart' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
const destinationRule = owned('networking.istio.io/v1', 'DestinationRule', {
  host: 'cart',
  subsets: [
    { name: 'stable', labels: { track: 'stable' } },
    { name: 'canary', labels: { track: 'canary' } },
  ],
});
const virtualService = owned('networking.istio.io/v1', 'VirtualService', {
  hosts: ['cart'],
  http: [
    {
      route: [
        { destination: { host: 'cart', subset: 'stable' }, weight: 90 },
        { destination: { host: 'cart', subset: 'canary' }, weight: 10 },
      ],
    },
  ],
});
const authorizationPolicy = owned('security.istio.io/v1', 'AuthorizationPolicy', { selector: { matchLabels: { app: 'cart' } }, action: 'ALLOW', rules: [{}] });
const sidecar = owned('networking.istio.io/v1', 'Sidecar', { egress: [{ hosts: ['./*', 'istio-system/*'] }] });
const rendered = [serviceAccount, stable, canary, service, destinationRule, virtualService, authorizationPolicy, sidecar];

/** Not meshplane's: one without any meshplane label, one with the ownership label but not managed-by. */
const foreign = deployment('legacy-cart', 'legacy', {});
const halfLabelled = deployment('half-cart', 'half', { 'meshplane.io/service': 'cart' });

let sim: SimCluster;
let observer: KubernetesObjectApi;

/** Sleeps for real (briefly) and counts them, so a test can prove retries happened. */
function countingRuntime(): RetryRuntime & { retries: () => number } {
  let retries = 0;
  return {
    retries: () => retries,
    sleep: (ms) => {
      retries++;
      return new Promise((resolve) => setTimeout(resolve, ms));
    },
    random: Math.random,
    now: Date.now,
  };
}

async function clientFor(policy: Partial<RetryPolicy>, runtime?: RetryRuntime): Promise<ClusterClient> {
  const factory = new KubernetesClusterClientFactory({ retryPolicy: policy, retryRuntime: runtime });
  return factory.forCluster({ id: 'sim', default: true, target: { kind: 'simulated', url: sim.url } });
}

async function exists(apiVersion: string, kind: string, name: string): Promise<boolean> {
  try {
    await observer.read({ apiVersion, kind, metadata: { name, namespace: NS } });
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return false;
    throw error;
  }
}

async function generationOf(name: string): Promise<number> {
  const live = await observer.read({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: NS } });
  return live.metadata?.generation ?? -1;
}

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  sim = await startSimCluster({ readyDelayMs: 100, reconcileIntervalMs: 20 });
  const simConfig = new KubeConfig();
  simConfig.loadFromString(sim.kubeconfigYaml());
  // client-node 2.x refuses plain http unless TLS verification is explicitly skipped.
  const observerConfig = new KubeConfig();
  observerConfig.loadFromClusterAndUser({ ...simConfig.getCurrentCluster()!, skipTLSVerify: true }, simConfig.getCurrentUser()!);
  observer = KubernetesObjectApi.makeApiClient(observerConfig);
});

afterAll(async () => {
  await sim?.stop();
});

describe('KubernetesClusterClient against the simulated cluster', () => {
  let client: ClusterClient;

  beforeAll(async () => {
    client = await clientFor({ maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 100, requestTimeoutMs: 5_000 });
  });

  it('applies a namespace, workloads and Istio resources in order', async () => {
    await client.apply([namespace, ...rendered, foreign, halfLabelled]);
    for (const object of [...rendered, foreign, halfLabelled]) {
      expect(await exists(object.apiVersion, object.kind, object.metadata.name)).toBe(true);
    }
    const vs = await observer.read({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'cart', namespace: NS } });
    expect((vs as unknown as { spec: { http: { route: { weight: number }[] }[] } }).spec.http[0].route.map((r) => r.weight)).toEqual([90, 10]);
    const live = await observer.read({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'cart', namespace: NS } });
    expect(live.metadata?.managedFields?.some((f) => f.manager === 'meshplane' && f.operation === 'Apply')).toBe(true);
  });

  it('is idempotent: applying the same objects again changes no spec', async () => {
    const before = await generationOf('cart');
    await client.apply(rendered);
    expect(await generationOf('cart')).toBe(before);
  });

  it('applies a changed spec as a new generation', async () => {
    const before = await generationOf('cart');
    await client.apply([deployment('cart', 'stable', OWNED, 3)]);
    expect(await generationOf('cart')).toBe(before + 1);
  });

  it('reports workload status converging to the desired replicas', async () => {
    const status = await eventually(
      () => client.getWorkloadStatus(NS, 'cart'),
      (s) => s !== undefined && s.observedGeneration >= s.generation && s.availableReplicas === 3 && s.updatedReplicas === 3,
    );
    expect(status).toMatchObject({ name: 'cart', namespace: NS, desiredReplicas: 3, readyReplicas: 3, availableReplicas: 3, updatedReplicas: 3 });
    expect(await client.getWorkloadStatus(NS, 'does-not-exist')).toBeUndefined();
  });

  it('lists pods with node, zone and readiness', async () => {
    const pods = await eventually(
      () => client.listPods(NS, 'app=cart,track=stable'),
      (ps) => ps.length === 3 && ps.every((p) => p.ready),
    );
    expect(pods).toHaveLength(3);
    for (const pod of pods) {
      expect(pod).toMatchObject({ namespace: NS, phase: 'Running', ready: true, image: 'cart:stable', restarts: 0 });
      expect(pod.node).toMatch(/^node-/);
      expect(pod.zone).toMatch(/^zone-[abc]$/);
      expect(pod.node).toContain(pod.zone!);
    }
    const everywhere = await client.listPods(undefined, 'app=cart');
    expect(everywhere.length).toBeGreaterThanOrEqual(pods.length);
  });

  it('lists nodes across three zones with parsed allocatable capacity', async () => {
    const nodes = await client.listNodes();
    expect(nodes).toHaveLength(9);
    expect(new Set(nodes.map((n) => n.zone))).toEqual(new Set(['zone-a', 'zone-b', 'zone-c']));
    for (const node of nodes) {
      expect(node).toMatchObject({ ready: true, allocatableCpuMillis: 4000, allocatableMemoryMiB: 16384 });
      expect(node.labels['topology.kubernetes.io/zone']).toBe(node.zone);
    }
  });

  it('prunes what is no longer rendered and leaves the rest, including foreign objects', async () => {
    const keep = rendered.filter((o) => o !== canary && o !== authorizationPolicy);
    expect(await client.prune(NS, 'cart', keep)).toBe(2);
    expect(await exists('apps/v1', 'Deployment', 'cart-canary')).toBe(false);
    expect(await exists('security.istio.io/v1', 'AuthorizationPolicy', 'cart')).toBe(false);
    for (const object of [...keep, foreign, halfLabelled]) {
      expect(await exists(object.apiVersion, object.kind, object.metadata.name)).toBe(true);
    }
    expect(await client.prune(NS, 'cart', keep)).toBe(0);
  });

  it('deleteService removes everything the service owns and nothing else', async () => {
    expect(await client.deleteService(NS, 'cart')).toBe(6);
    for (const object of rendered) {
      expect(await exists(object.apiVersion, object.kind, object.metadata.name)).toBe(false);
    }
    expect(await exists('apps/v1', 'Deployment', 'legacy-cart')).toBe(true);
    expect(await exists('apps/v1', 'Deployment', 'half-cart')).toBe(true);
    expect(await client.deleteService(NS, 'cart')).toBe(0);
  });

  it('surfaces an invalid object as a TerminalError carrying the API server message, without retrying', async () => {
    const runtime = countingRuntime();
    const strict = await clientFor({ maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 5 }, runtime);
    const broken = deployment('broken', 'stable');
    (broken.spec as { selector: unknown }).selector = { matchLabels: { app: 'something-else' } };
    const err = await strict.apply([broken]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TerminalError);
    expect((err as Error).message).toMatch(
      /^Kubernetes API rejected apply Deployment shop\/broken \(422 Invalid\): Deployment(\.apps)? "broken" is invalid: .*selector/,
    );
    expect(runtime.retries()).toBe(0);
    expect(await exists('apps/v1', 'Deployment', 'broken')).toBe(false);
  });
});

describe.each([500, 429] as const)('when half the API requests are answered %d', (status) => {
  afterAll(() => {
    sim.faults.clear();
  });

  it('retries until apply, reads, prune and deleteService all succeed', async () => {
    const runtime = countingRuntime();
    // 12 attempts at a 50% failure rate leave a 1 in 4096 chance per request of exhausting them.
    const flaky = await clientFor({ maxAttempts: 12, baseDelayMs: 2, maxDelayMs: 20, maxRetryAfterMs: 20 }, runtime);
    sim.faults.api({ status, rate: 0.5, seed: status });

    await flaky.apply([namespace, serviceAccount, stable, service, destinationRule, virtualService]);
    expect((await flaky.listNodes()).length).toBe(9);
    expect(await flaky.getWorkloadStatus(NS, 'cart')).toBeDefined();
    expect(await flaky.prune(NS, 'cart', [serviceAccount, stable, service, destinationRule])).toBe(1);
    expect(await flaky.deleteService(NS, 'cart')).toBe(4);

    sim.faults.clear();
    expect(runtime.retries()).toBeGreaterThan(3);
    expect(await exists('apps/v1', 'Deployment', 'cart')).toBe(false);
    expect(await exists('networking.istio.io/v1', 'VirtualService', 'cart')).toBe(false);
  });
});

describe('when API requests hang past the request timeout', () => {
  afterAll(() => {
    sim.faults.clear();
  });

  // A fresh client has no discovery cache: its first apply asks /apis/<group>/<version>, the request
  // client-node annotates by assigning to the error's message (a DOMException's is a getter).
  it.each([
    ['discovery', '^/apis/apps/v1$'],
    ['every request', undefined],
  ])('a hung %s is a TransientError saying it timed out, and passes once the API answers again', async (_what, paths) => {
    const runtime = countingRuntime();
    const hanging = await clientFor({ maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, requestTimeoutMs: 150 }, runtime);
    sim.faults.api({ timeoutRate: 1, timeoutMs: 1_000, ...(paths ? { paths } : {}) });

    const err = await hanging.apply([namespace, deployment('hung', 'stable')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/^Kubernetes API unavailable for .* after 2 attempts: the request timed out/);
    expect((err as Error).message).not.toMatch(/getter/);
    expect(runtime.retries()).toBe(1);

    sim.faults.clear();
    await hanging.apply([namespace, deployment('hung', 'stable')]);
    expect(await exists('apps/v1', 'Deployment', 'hung')).toBe(true);
    await hanging.deleteService(NS, 'cart');
  });
});

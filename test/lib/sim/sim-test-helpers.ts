/** Shared helpers for the simulated cluster's integration tests. */
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, KubernetesObjectApi, type V1Deployment } from '@kubernetes/client-node';
import type { SimCluster } from '../../../lib/sim/index.js';

export function clients(cluster: SimCluster) {
  const kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfigYaml());
  return {
    kc,
    apps: kc.makeApiClient(AppsV1Api),
    core: kc.makeApiClient(CoreV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    objects: KubernetesObjectApi.makeApiClient(kc),
  };
}

/** Polls `probe` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface DeploymentOptions {
  namespace?: string;
  replicas?: number;
  image?: string;
  app?: string;
  track?: string;
  cpu?: string;
  memory?: string;
  annotations?: Record<string, string>;
  podSpec?: Record<string, unknown>;
}

/** A Deployment as meshplane renders one: app/track labels, resource requests. */
export function deployment(name: string, o: DeploymentOptions = {}): V1Deployment {
  const app = o.app ?? name;
  const labels = { app, track: o.track ?? 'stable' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: o.namespace ?? 'default', labels: { app }, annotations: o.annotations },
    spec: {
      replicas: o.replicas ?? 2,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{ name: 'app', image: o.image ?? `example/${app}:1.0`, resources: { requests: { cpu: o.cpu ?? '100m', memory: o.memory ?? '128Mi' } } }],
          ...(o.podSpec ?? {}),
        },
      },
    },
  };
}

/** True when a Deployment's status says the rollout is complete. */
export function rolledOut(d: V1Deployment): boolean {
  const s = d.status ?? {};
  const want = d.spec?.replicas ?? 1;
  return (
    (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
    (s.updatedReplicas ?? 0) === want &&
    (s.replicas ?? 0) === want &&
    (s.availableReplicas ?? 0) === want
  );
}

/**
 * What the end-to-end tests see in the (simulated) cluster, read through @kubernetes/client-node with
 * the runtime's kubeconfig — the same way an operator's tooling would, independent of meshplane's own
 * cluster adapter.
 */
import { ApiException, AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { LABELS, MANAGED_BY } from '../../../lib/mesh/labels.js';

/** An Istio custom resource kind as the API serves it. */
export interface IstioKind {
  kind: string;
  group: string;
  version: string;
  plural: string;
}

/** The Istio kinds meshplane renders. */
export const ISTIO_KINDS = {
  DestinationRule: { kind: 'DestinationRule', group: 'networking.istio.io', version: 'v1', plural: 'destinationrules' },
  VirtualService: { kind: 'VirtualService', group: 'networking.istio.io', version: 'v1', plural: 'virtualservices' },
  Sidecar: { kind: 'Sidecar', group: 'networking.istio.io', version: 'v1', plural: 'sidecars' },
  Gateway: { kind: 'Gateway', group: 'networking.istio.io', version: 'v1', plural: 'gateways' },
  AuthorizationPolicy: { kind: 'AuthorizationPolicy', group: 'security.istio.io', version: 'v1', plural: 'authorizationpolicies' },
} as const satisfies Record<string, IstioKind>;

/** A loosely typed custom object (Istio resources have no generated types). */
export interface CustomObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec: Record<string, any>;
}

/** A pod reduced to what the tests compare: where it runs and whether it is Ready. */
export interface PodPlacement {
  name: string;
  namespace: string;
  node?: string;
  zone?: string;
  image: string;
  ready: boolean;
  track?: string;
}

/** Traffic split of a VirtualService's first route, in percent. */
export interface RouteWeights {
  stable: number;
  canary: number;
}

/** An object found in the cluster, named as `kubectl get` would name it. */
export interface FoundObject {
  kind: string;
  namespace?: string;
  name: string;
}

const ZONE_LABEL = 'topology.kubernetes.io/zone';

/** True when client-node reports a 404 from the API server. */
export function isNotFound(err: unknown): boolean {
  return err instanceof ApiException && err.code === 404;
}

export class ClusterView {
  readonly apps: AppsV1Api;
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;

  constructor(kubeconfigPath: string) {
    const kc = new KubeConfig();
    kc.loadFromString(readFileSync(kubeconfigPath, 'utf8'));
    this.apps = kc.makeApiClient(AppsV1Api);
    this.core = kc.makeApiClient(CoreV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  /** A Deployment, or undefined when it does not exist. */
  async deployment(name: string, namespace = 'default'): Promise<V1Deployment | undefined> {
    try {
      return await this.apps.readNamespacedDeployment({ name, namespace });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** An Istio object, or undefined when it does not exist. */
  async istio(kind: IstioKind, name: string, namespace = 'default'): Promise<CustomObject | undefined> {
    try {
      return (await this.custom.getNamespacedCustomObject({ group: kind.group, version: kind.version, plural: kind.plural, namespace, name })) as CustomObject;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** The stable/canary weights of a service's VirtualService. */
  async routeWeights(service: string, namespace = 'default'): Promise<RouteWeights | undefined> {
    const vs = await this.istio(ISTIO_KINDS.VirtualService, service, namespace);
    if (!vs) return undefined;
    const route = (vs.spec.http?.[0]?.route ?? []) as { destination: { subset: string }; weight?: number }[];
    const weightOf = (subset: string) => route.find((r) => r.destination.subset === subset)?.weight ?? 0;
    return { stable: weightOf('stable'), canary: weightOf('canary') };
  }

  /** Pods matching a label selector in every namespace, with the zone of the node each one is bound to. */
  async pods(labelSelector?: string): Promise<PodPlacement[]> {
    const [pods, nodes] = await Promise.all([this.core.listPodForAllNamespaces({ labelSelector }), this.core.listNode()]);
    const zoneOf = new Map(nodes.items.map((n) => [n.metadata?.name ?? '', n.metadata?.labels?.[ZONE_LABEL]]));
    return pods.items.map((p) => placement(p, zoneOf)).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Pods of one meshplane service (every track). */
  servicePods(service: string): Promise<PodPlacement[]> {
    return this.pods(`${LABELS.service}=${service}`);
  }

  /**
   * Every object in the cluster that carries meshplane's ownership label, across the kinds meshplane
   * renders and the pods its Deployments create. Empty means meshplane left nothing behind.
   */
  async managedObjects(): Promise<FoundObject[]> {
    const labelSelector = `${LABELS.managedBy}=${MANAGED_BY}`;
    const named =
      (kind: string) =>
      (o: { metadata?: { name?: string; namespace?: string } }): FoundObject => ({ kind, namespace: o.metadata?.namespace, name: o.metadata?.name ?? '' });
    const [deployments, services, accounts, pods, ...istio] = await Promise.all([
      this.apps.listDeploymentForAllNamespaces({ labelSelector }),
      this.core.listServiceForAllNamespaces({ labelSelector }),
      this.core.listServiceAccountForAllNamespaces({ labelSelector }),
      this.core.listPodForAllNamespaces({ labelSelector }),
      ...Object.values(ISTIO_KINDS).map((k) => this.custom.listClusterCustomObject({ group: k.group, version: k.version, plural: k.plural, labelSelector })),
    ]);
    return [
      ...deployments.items.map(named('Deployment')),
      ...services.items.map(named('Service')),
      ...accounts.items.map(named('ServiceAccount')),
      ...pods.items.map(named('Pod')),
      ...Object.values(ISTIO_KINDS).flatMap((k, i) => ((istio[i] as { items: CustomObject[] }).items ?? []).map(named(k.kind))),
    ];
  }
}

function placement(pod: V1Pod, zoneOf: Map<string, string | undefined>): PodPlacement {
  const node = pod.spec?.nodeName;
  return {
    name: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? '',
    node,
    zone: node ? zoneOf.get(node) : undefined,
    image: pod.spec?.containers?.[0]?.image ?? '',
    ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    track: pod.metadata?.labels?.[LABELS.track],
  };
}

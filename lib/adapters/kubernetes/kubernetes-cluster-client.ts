/**
 * ClusterClient over `@kubernetes/client-node`: server-side apply, label-scoped pruning, status and
 * inventory reads; every request retried under the cluster's {@link RetryPolicy}.
 */
import { type KubernetesObject, PatchStrategy, type V1Node, type V1Pod, setHeaderOptions } from '@kubernetes/client-node';
import type { ClusterClient, EvictionOutcome, KubeObject, NodeInfo, PodInfo, WorkloadStatus } from '../../ports/cluster-client.js';
import { KubeApiRejectedError, classifyKubeFailure, toMeshplaneError } from './api-failure.js';
import { type RetryRuntime, SYSTEM_RETRY_RUNTIME, callWithRetries } from './call-with-retries.js';
import type { KubeApis } from './kube-apis.js';
import { MANAGED_KINDS_IN_DELETION_ORDER, type ManagedKind, describeObject, ownershipSelector, selectObjectsToPrune } from './owned-objects.js';
import { LABELS, MANAGED_BY } from '../../mesh/labels.js';
import { toNodeInfo, toPodInfo, toWorkloadStatus, zoneOfNode } from './resource-views.js';
import type { RetryPolicy } from './retry-policy.js';

/** Field manager of every server-side apply meshplane makes. */
export const FIELD_MANAGER = 'meshplane';

/** Page size of list requests (the API server's continue token fetches the rest). */
const LIST_PAGE_SIZE = 500;

/** A live object as list returns it: identity only is needed for pruning. */
type LiveObject = Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>;

/** Implements the {@link ClusterClient} port for one Kubernetes cluster. */
export class KubernetesClusterClient implements ClusterClient {
  constructor(
    private readonly apis: KubeApis,
    private readonly policy: RetryPolicy,
    private readonly runtime: RetryRuntime = SYSTEM_RETRY_RUNTIME,
  ) {}

  async apply(objects: KubeObject[]): Promise<void> {
    for (const object of objects) {
      // client-node fills in a missing namespace on the object it is given; keep the caller's intact.
      const body = structuredClone(object) as KubernetesObject;
      await this.call(`apply ${describeObject(object)}`, () =>
        this.apis.objects.patch(body, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply),
      );
    }
  }

  async prune(namespace: string, service: string, keep: KubeObject[]): Promise<number> {
    let deleted = 0;
    for (const kind of MANAGED_KINDS_IN_DELETION_ORDER) {
      const live = await this.listOwned(kind, namespace, service);
      for (const object of selectObjectsToPrune(live, service, keep)) {
        if (await this.deleteObject({ ...kind, metadata: { name: object.metadata.name, namespace } })) deleted++;
      }
    }
    return deleted;
  }

  deleteService(namespace: string, service: string): Promise<number> {
    return this.prune(namespace, service, []);
  }

  async patchDeployment(namespace: string, name: string, patch: Record<string, unknown>): Promise<void> {
    await this.call(`merge-patch Deployment ${namespace}/${name}`, () =>
      this.apis.apps.patchNamespacedDeployment(
        { name, namespace, body: patch, fieldManager: FIELD_MANAGER },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
  }

  async getWorkloadStatus(namespace: string, name: string): Promise<WorkloadStatus | undefined> {
    try {
      const deployment = await this.call(`read Deployment ${namespace}/${name}`, () => this.apis.apps.readNamespacedDeployment({ name, namespace }));
      return toWorkloadStatus(deployment);
    } catch (error) {
      if (error instanceof KubeApiRejectedError && error.isNotFound) return undefined;
      throw error;
    }
  }

  async listPods(namespace: string | undefined, labelSelector?: string): Promise<PodInfo[]> {
    const pods = await this.listAllPages<V1Pod>(`list Pod ${namespace ?? '(all namespaces)'}`, (_continue) =>
      namespace === undefined
        ? this.apis.core.listPodForAllNamespaces({ labelSelector, limit: LIST_PAGE_SIZE, _continue })
        : this.apis.core.listNamespacedPod({ namespace, labelSelector, limit: LIST_PAGE_SIZE, _continue }),
    );
    const zoneByNode = pods.some((pod) => pod.spec?.nodeName) ? await this.zonesByNodeName() : new Map<string, string>();
    return pods.map((pod) => toPodInfo(pod, zoneByNode));
  }

  async listNodes(): Promise<NodeInfo[]> {
    return (await this.listAllNodes()).map(toNodeInfo);
  }

  async listManagedObjects(): Promise<KubeObject[]> {
    const selector = `${LABELS.managedBy}=${MANAGED_BY}`;
    const lists = await Promise.all(
      MANAGED_KINDS_IN_DELETION_ORDER.map(async (kind) => {
        try {
          // Unpaged, for the reason given in listOwned.
          const list = await this.call(`list ${kind.kind} (all namespaces)`, () =>
            this.apis.objects.list(kind.apiVersion, kind.kind, undefined, undefined, undefined, undefined, undefined, selector),
          );
          return list.items.map((item) => ({ ...item, apiVersion: kind.apiVersion, kind: kind.kind }) as KubeObject);
        } catch (error) {
          if (error instanceof KubeApiRejectedError && error.isKindNotServed) return [];
          throw error;
        }
      }),
    );
    return lists.flat();
  }

  async evictPod(namespace: string, name: string): Promise<EvictionOutcome> {
    const operation = `evict Pod ${namespace}/${name}`;
    try {
      // One attempt: a 429 here is a PodDisruptionBudget saying "not now", which a retry loop must not hammer.
      await this.apis.core.createNamespacedPodEviction({
        name,
        namespace,
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
      });
      return 'evicted';
    } catch (error) {
      const failure = classifyKubeFailure(error, this.runtime.now());
      if (failure.kind === 'http' && failure.status === 429) return 'blocked';
      if (failure.kind === 'http' && failure.status === 404) return 'gone';
      throw toMeshplaneError(operation, failure, 1, error);
    }
  }

  async labelNode(node: string, labels: Record<string, string | null>): Promise<void> {
    await this.call(`label Node ${node}`, () =>
      this.apis.core.patchNode(
        { name: node, body: { metadata: { labels } }, fieldManager: FIELD_MANAGER },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
  }

  private async zonesByNodeName(): Promise<Map<string, string>> {
    const nodes = await this.listAllNodes();
    return new Map(nodes.map((node) => [node.metadata?.name ?? '', zoneOfNode(node)]));
  }

  private listAllNodes(): Promise<V1Node[]> {
    return this.listAllPages<V1Node>('list Node', (_continue) => this.apis.core.listNode({ limit: LIST_PAGE_SIZE, _continue }));
  }

  private async listOwned(kind: ManagedKind, namespace: string, service: string): Promise<LiveObject[]> {
    const selector = ownershipSelector(service);
    let items: KubernetesObject[];
    try {
      // Unpaged on purpose: client-node deserializes a custom-resource list's metadata as object
      // metadata, dropping its continue token, so paging would silently stop after the first page.
      // One service owns a handful of objects per kind.
      const list = await this.call(`list ${kind.kind} ${namespace}`, () =>
        this.apis.objects.list(kind.apiVersion, kind.kind, namespace, undefined, undefined, undefined, undefined, selector),
      );
      items = list.items;
    } catch (error) {
      // A kind the cluster does not serve (no Istio CRDs) holds nothing to prune.
      if (error instanceof KubeApiRejectedError && error.isKindNotServed) return [];
      throw error;
    }
    // List items usually omit apiVersion/kind; the kind listed is what they are.
    return items.map((item) => ({
      apiVersion: kind.apiVersion,
      kind: kind.kind,
      metadata: {
        name: item.metadata?.name ?? '',
        namespace: item.metadata?.namespace ?? namespace,
        labels: item.metadata?.labels ?? {},
      },
    }));
  }

  /** Deletes one object; false when it was already gone (404 counts as success). */
  private async deleteObject(object: LiveObject): Promise<boolean> {
    try {
      await this.call(`delete ${describeObject(object)}`, () =>
        // Background propagation: the garbage collector removes a Deployment's ReplicaSets and pods.
        this.apis.objects.delete(structuredClone(object) as KubernetesObject, undefined, undefined, undefined, undefined, 'Background'),
      );
      return true;
    } catch (error) {
      if (error instanceof KubeApiRejectedError && error.isNotFound) return false;
      throw error;
    }
  }

  private async listAllPages<T>(
    operation: string,
    listPage: (continueToken: string | undefined) => Promise<{ items: T[]; metadata?: { _continue?: string } }>,
  ): Promise<T[]> {
    const items: T[] = [];
    let continueToken: string | undefined;
    do {
      const page = await this.call(operation, () => listPage(continueToken));
      items.push(...page.items);
      continueToken = page.metadata?._continue || undefined;
    } while (continueToken);
    return items;
  }

  private call<T>(operation: string, request: () => Promise<T>): Promise<T> {
    return callWithRetries(operation, request, this.policy, this.runtime);
  }
}

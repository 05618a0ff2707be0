/**
 * What the health probe reads of each cluster, once per run however many services share it: its nodes,
 * meshplane's pods and every object meshplane manages, grouped by owning service.
 */
import { errorMessage } from '../../errors.js';
import { LABELS, MANAGED_BY } from '../../mesh/labels.js';
import type { ClusterRegistration } from '../../model/cluster.js';
import type { KubeObject, NodeInfo, PodInfo } from '../../ports/cluster-client.js';
import { resolveCluster } from '../shared/resolve-cluster.js';
import type { ClusterStore } from '../../ports/cluster-store.js';
import type { HealthDeps } from './health-deps.js';

/** One cluster as the probe saw it. */
export interface ClusterSnapshot {
  nodes: NodeInfo[];
  /** Pods by `<namespace>/<service>` (the service's ownership label). */
  pods: Map<string, PodInfo[]>;
  /** Managed objects by `<namespace>/<service>`. */
  objects: Map<string, KubeObject[]>;
}

/** A service's cluster this run: read, unreadable (with why), or none registered (state only). */
export type SnapshotResult = { cluster: ClusterRegistration; snapshot: ClusterSnapshot } | { cluster: ClusterRegistration; error: string } | undefined;

export const ownerKey = (namespace: string, service: string) => `${namespace}/${service}`;

function groupByOwner<T>(items: T[], ownerOf: (item: T) => { namespace?: string; service?: string }): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const { namespace, service } = ownerOf(item);
    if (service === undefined) continue;
    const key = ownerKey(namespace ?? '', service);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

async function readCluster(deps: HealthDeps<ClusterStore>, cluster: ClusterRegistration): Promise<ClusterSnapshot> {
  const client = await deps.clusters.forCluster(cluster);
  const [nodes, pods, objects] = await Promise.all([
    client.listNodes(),
    client.listPods(undefined, `${LABELS.managedBy}=${MANAGED_BY}`),
    client.listManagedObjects(),
  ]);
  return {
    nodes,
    pods: groupByOwner(pods, (p) => ({ namespace: p.namespace, service: p.labels[LABELS.service] })),
    objects: groupByOwner(objects, (o) => ({ namespace: o.metadata.namespace, service: o.metadata.labels?.[LABELS.service] })),
  };
}

/**
 * The snapshot of a service's cluster, each cluster read once per run. A failed read is reported for
 * every service on that cluster (the reconcile records the cluster as unreachable); a service naming a
 * cluster that is not registered fails on its own.
 */
export function clusterSnapshots(
  deps: HealthDeps<ClusterStore>,
): ((clusterName: string | undefined) => Promise<SnapshotResult>) & { read(): Promise<{ cluster: ClusterRegistration; snapshot: ClusterSnapshot }[]> } {
  const clusters = new Map<string, ClusterRegistration>();
  const resolved = new Map<string, Promise<ClusterRegistration | undefined>>();
  const snapshots = new Map<string, Promise<{ snapshot: ClusterSnapshot } | { error: string }>>();
  const forService = async (clusterName: string | undefined): Promise<SnapshotResult> => {
    const name = clusterName ?? '';
    if (!resolved.has(name)) resolved.set(name, resolveCluster(deps.store, clusterName));
    const cluster = await resolved.get(name)!;
    if (!cluster) return undefined;
    clusters.set(cluster.id, cluster);
    if (!snapshots.has(cluster.id))
      snapshots.set(
        cluster.id,
        readCluster(deps, cluster).then(
          (snapshot) => ({ snapshot }),
          (err: unknown) => ({ error: errorMessage(err) }),
        ),
      );
    return { cluster, ...(await snapshots.get(cluster.id)!) };
  };
  /** Every cluster read so far that answered. */
  const read = async () => {
    const results = await Promise.all([...clusters.values()].map(async (cluster) => ({ cluster, result: await snapshots.get(cluster.id)! })));
    return results.flatMap(({ cluster, result }) => ('snapshot' in result ? [{ cluster, snapshot: result.snapshot }] : []));
  };
  return Object.assign(forService, { read });
}

import { createHash } from 'node:crypto';
import { ConflictError, errorMessage, NotFoundError, ValidationError } from '../../errors.js';
import type { ClusterClientFactory } from '../../ports/cluster-client.js';
import { serviceClusterIds } from '../../model/service-clusters.js';
import type { ClusterRegistration } from '../../model/cluster.js';
import type { Clock } from '../../ports/clock.js';
import type { KubeconfigAdmission } from '../../ports/kubeconfig-files.js';
import type { ClusterStore, StoredCluster } from '../../ports/cluster-store.js';
import type { ServiceStore } from '../../ports/service-store.js';

export type { StoredCluster };

/**
 * The operator's kubeconfig policy when none is wired: inline kubeconfigs with static credentials only.
 * Imported when a kubeconfig is registered, so the API's other requests never load the YAML parser.
 */
const strictAdmission: KubeconfigAdmission = async (target) => {
  const { admitKubeconfig, STRICT_KUBECONFIG_POLICY } = await import('./kubeconfig-admission.js');
  return admitKubeconfig(target, STRICT_KUBECONFIG_POLICY);
};

/**
 * Registers (or replaces) a cluster. Clusters are configuration, not work: the write is synchronous.
 * A kubeconfig is checked against the operator's policy first (a ValidationError naming the field, so
 * the caller gets a 400 now rather than a failed operation later). Flagging one as default clears the
 * flag on the others, so there is at most one default.
 */
export async function registerCluster(
  deps: { store: ClusterStore; clock: Clock; admitKubeconfig?: KubeconfigAdmission; clusters?: ClusterClientFactory },
  registration: ClusterRegistration,
): Promise<{ cluster: StoredCluster; created: boolean }> {
  if (registration.target.kind === 'simulated' && !registration.target.url)
    throw new ValidationError([{ path: 'target.url', message: 'a simulated cluster needs the url of its API server (e.g. http://127.0.0.1:34567)' }]);
  if (registration.target.kind === 'kubeconfig') await (deps.admitKubeconfig ?? strictAdmission)(registration.target);
  if (deps.clusters && registration.target.kind !== 'eks') await requireReachable(deps.clusters, registration);
  const existing = await deps.store.getCluster(registration.id);
  const cluster: StoredCluster = { ...registration, createdAt: existing?.createdAt ?? deps.clock.now().toISOString() };
  if (cluster.default) {
    for (const other of await deps.store.listClusters())
      if (other.id !== cluster.id && other.default) await deps.store.putCluster({ ...other, default: false });
  }
  await deps.store.putCluster(cluster);
  return { cluster, created: !existing };
}

export async function getCluster(store: ClusterStore, id: string): Promise<StoredCluster> {
  const cluster = await store.getCluster(id);
  if (!cluster) throw new NotFoundError(`cluster "${id}" is not registered`);
  return cluster;
}

/** Removes a cluster, unless services still run on it (deregister or move them first). */
export async function deregisterCluster(store: ClusterStore & ServiceStore, id: string): Promise<void> {
  const cluster = await getCluster(store, id);
  const clusters = await store.listClusters();
  const isDefault = cluster.default || clusters.length === 1;
  const users = (await store.listAllServices())
    .filter((s) => serviceClusterIds(s.spec).some((c) => c === id || (c === undefined && isDefault)))
    .map((s) => s.name);
  if (users.length)
    throw new ConflictError(`cluster "${id}" still runs ${users.length} service(s): ${users.slice(0, 10).join(', ')}${users.length > 10 ? ', …' : ''}`);
  await store.deleteCluster(id);
}

/**
 * A registration as the API shows it: an inline kubeconfig (credentials) is never returned, only its
 * size and a digest, so a caller can tell whether it changed.
 */
export function clusterView(cluster: StoredCluster): Omit<StoredCluster, 'target'> & { target: Record<string, unknown> } {
  const { target } = cluster;
  if (target.kind !== 'kubeconfig' || target.kubeconfig === undefined) return cluster;
  const { kubeconfig, ...rest } = target;
  const sha256 = createHash('sha256').update(kubeconfig, 'utf8').digest('hex');
  return { ...cluster, target: { ...rest, kubeconfigBytes: Buffer.byteLength(kubeconfig, 'utf8'), kubeconfigSha256: sha256 } };
}

/** How long registration waits for a new cluster to answer. */
export const REACHABILITY_TIMEOUT_MS = 5_000;

/** Lists the cluster's nodes once; no answer within {@link REACHABILITY_TIMEOUT_MS} (or an error) is a 400 naming the target. */
async function requireReachable(clusters: ClusterClientFactory, registration: ClusterRegistration): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${REACHABILITY_TIMEOUT_MS / 1000} s`)), REACHABILITY_TIMEOUT_MS);
  });
  try {
    await Promise.race([clusters.forCluster(registration).then((client) => client.listNodes()), timeout]);
  } catch (err) {
    throw new ValidationError([{ path: 'target', message: `the cluster cannot be reached: ${errorMessage(err)}` }], 'the cluster cannot be used');
  } finally {
    clearTimeout(timer);
  }
}

import { errorMessage } from '../../errors.js';
import { LABELS } from '../../mesh/labels.js';
import type { ServiceRecord } from '../../model/records.js';
import type { NodeInfo, PodInfo } from '../../ports/cluster-client.js';
import { resolveCluster } from '../shared/resolve-cluster.js';
import { serviceClusterIds } from '../../model/service-clusters.js';
import { auditEvent, mutateService } from '../shared/mutate.js';
import type { ClusterStore } from '../../ports/cluster-store.js';
import type { ServiceStore } from '../../ports/service-store.js';
import type { RolloutDeps } from '../shared/rollout-deps.js';

/**
 * Why an optimizer pin no longer holds (pure): a pinned node is gone or not Ready, or the service has
 * pods that cannot be scheduled. Undefined when the pin is fine.
 */
export function stalePinReason(service: ServiceRecord, nodes: readonly NodeInfo[], pods: readonly PodInfo[]): string | undefined {
  const required = service.placement?.requiredNodes;
  if (!required?.length) return undefined;
  const ready = new Set(nodes.filter((n) => n.ready).map((n) => n.name));
  const lost = required.filter((n) => !ready.has(n));
  if (lost.length) return `pinned node${lost.length > 1 ? 's' : ''} ${lost.join(', ')} ${lost.length > 1 ? 'are' : 'is'} gone or not Ready`;
  const pending = pods.filter((p) => p.labels[LABELS.service] === service.name && p.phase === 'Pending' && !p.node);
  if (pending.length) return `${pending.length} pod(s) cannot be scheduled on the pinned nodes`;
  return undefined;
}

/**
 * Lifts the optimizer's hard node pins that no longer hold, keeping them as preferences, so a replaced
 * or failed node never leaves a service's pods Pending. Runs with the health probe; the next optimizer
 * run plans the service again.
 */
export async function releaseStalePins(deps: RolloutDeps<ServiceStore & ClusterStore>): Promise<{ released: string[]; errors: string[] }> {
  const pinned = (await deps.store.listAllServices()).filter((s) => s.placement?.requiredNodes?.length);
  const released: string[] = [];
  const errors: string[] = [];
  for (const service of pinned) {
    try {
      const cluster = await resolveCluster(deps.store, serviceClusterIds(service.spec)[0]);
      if (!cluster) continue;
      const client = await deps.clusters.forCluster(cluster);
      const [nodes, pods] = await Promise.all([client.listNodes(), client.listPods(service.spec.namespace, `${LABELS.service}=${service.name}`)]);
      const reason = stalePinReason(service, nodes, pods);
      if (!reason) continue;
      await mutateService(deps, service.name, (svc) =>
        svc.placement?.requiredNodes?.length
          ? {
              record: { ...svc, placement: { ...svc.placement, requiredNodes: undefined } },
              events: [
                auditEvent(deps, svc.name, 'PlacementReleased', `optimizer pin lifted: ${reason}; the planned nodes stay preferred`, {
                  runId: svc.placement.runId,
                }),
              ],
            }
          : undefined,
      );
      released.push(service.name);
    } catch (err) {
      errors.push(`${service.name}: ${errorMessage(err)}`);
    }
  }
  return { released, errors };
}

import type { ServiceRecord } from '../../model/records.js';
import type { NodeInfo } from '../../ports/cluster-client.js';
import { auditEvent, mutateService } from '../shared/mutate.js';
import type { ServiceStore } from '../../ports/service-store.js';
import type { HealthDeps } from './health-deps.js';
import { nodesToStopAvoiding, placementWithout } from './recovered-nodes.js';

/**
 * Lets the service use again the avoided nodes that are Ready again or gone, with an audit event for
 * each (the caller has checked that no recent evacuation holds them).
 */
export async function stopAvoidingRecoveredNodes(deps: HealthDeps<ServiceStore>, service: ServiceRecord, nodes: NodeInfo[]): Promise<void> {
  if (nodesToStopAvoiding(service.placement?.avoidNodes, nodes).length === 0) return;
  await mutateService(deps, service.name, (svc) => {
    const released = nodesToStopAvoiding(svc.placement?.avoidNodes, nodes);
    if (!svc.placement || released.length === 0) return undefined;
    return {
      record: {
        ...svc,
        placement: placementWithout(
          svc.placement,
          released.map((r) => r.node),
        ),
      },
      events: released.map(({ node, why }) =>
        auditEvent(
          deps,
          svc.name,
          'NodeNoLongerAvoided',
          why === 'ready' ? `node ${node} is Ready again; no longer avoided` : `node ${node} no longer exists; no longer avoided`,
          { node, why },
        ),
      ),
    };
  });
}

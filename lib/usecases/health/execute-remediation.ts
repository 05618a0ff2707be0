import { ConflictError } from '../../errors.js';
import type { ActDecision } from '../../health/remediation-types.js';
import { resolveCluster } from '../shared/resolve-cluster.js';
import { requestRollback } from '../shared/request-rollback.js';
import { auditEvent, mutateService } from '../shared/mutate.js';
import { steerDeployment } from '../shared/steer-deployment.js';
import type { ClusterStore } from '../../ports/cluster-store.js';
import type { DeploymentStore } from '../../ports/deployment-store.js';
import type { OperationStore } from '../../ports/operation-store.js';
import type { RevisionStore } from '../../ports/revision-store.js';
import type { ServiceStore } from '../../ports/service-store.js';
import type { HealthDeps } from './health-deps.js';

function avoid(current: string[] | undefined, nodes: string[]): string[] {
  return [...new Set([...(current ?? []), ...nodes])].sort();
}

/**
 * Carries out a remediation through the same machinery a person would use: abort and rollback go
 * through the rollout path, restart / scale-out / evacuation change the service record and converge.
 * Returns a sentence for the audit trail.
 *
 * Idempotent: a decision is carried out at least once (a failed attempt is retried by redelivering its
 * signal), so running it again must not do it twice. A restart is stamped with the decision's time, a
 * scale-out sets an absolute replica count, an evacuation adds to a set, an abort of a rollout that has
 * ended is done, and a rollback is keyed by the signal id (one rollback deployment per signal).
 */
export async function executeRemediation(
  deps: HealthDeps<ServiceStore & RevisionStore & OperationStore & DeploymentStore & ClusterStore>,
  decision: ActDecision,
): Promise<string> {
  const { service, action, signalId } = decision;
  const tag = `remediation:${signalId}`;
  switch (action.kind) {
    case 'abortRollout':
      try {
        await steerDeployment(deps, service, action.rolloutId, 'abort');
      } catch (err) {
        // Aborting only conflicts with a rollout that has ended: there is nothing left to abort.
        if (!(err instanceof ConflictError)) throw err;
        return `rollout ${action.rolloutId} had already ended`;
      }
      return `asked rollout ${action.rolloutId} to abort`;
    case 'rollback': {
      const toRevision = Number(action.toRevision.replace(/^r/, ''));
      const { deploymentId } = await requestRollback(deps, service, { toRevision }, tag, signalId);
      return `rolling back to revision ${toRevision} (deployment ${deploymentId})`;
    }
    case 'restart': {
      const at = decision.decidedAt;
      await mutateService(deps, service, (svc) =>
        svc.restartedAt === at ? undefined : { record: { ...svc, restartedAt: at }, events: [auditEvent(deps, service, 'Restarted', `pods restarted by remediation (${signalId})`)] },
      );
      return 'restarted the pods';
    }
    case 'scaleOut':
      await mutateService(deps, service, (svc) => {
        if (svc.spec.replicas >= action.toReplicas) return undefined;
        const spec = { ...svc.spec, replicas: action.toReplicas };
        const revision = svc.revision + 1;
        return {
          record: { ...svc, spec, revision },
          revision: { service, revision, spec, createdAt: deps.clock.now().toISOString(), operationId: tag },
          events: [auditEvent(deps, service, 'ScaledOut', `scaled from ${svc.spec.replicas} to ${action.toReplicas} replicas`)],
        };
      });
      return `scaled out to ${action.toReplicas} replicas`;
    case 'evacuateNode':
    case 'evacuateZone': {
      let nodes = action.kind === 'evacuateNode' ? [action.node] : [];
      if (action.kind === 'evacuateZone') {
        const record = await deps.store.getService(service);
        const cluster = record && (await resolveCluster(deps.store, record.spec.cluster));
        nodes = cluster ? (await (await deps.clusters.forCluster(cluster)).listNodes()).filter((n) => n.zone === action.zone).map((n) => n.name) : [];
      }
      await mutateService(deps, service, (svc) => {
        const avoidNodes = avoid(svc.placement?.avoidNodes, nodes);
        if (avoidNodes.length === (svc.placement?.avoidNodes?.length ?? 0)) return undefined;
        return {
          record: { ...svc, placement: { ...svc.placement, runId: svc.placement?.runId ?? tag, avoidNodes } },
          events: [auditEvent(deps, service, 'Evacuated', `moving replicas off ${nodes.join(', ')}`, { nodes })],
        };
      });
      return `moving replicas off ${action.kind === 'evacuateNode' ? `node ${action.node}` : `zone ${action.zone}`}`;
    }
  }
}

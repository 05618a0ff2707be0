import { ConflictError } from '../../errors.js';
import type { ActDecision } from '../../health/remediation-types.js';
import type { ServiceRecord } from '../../model/records.js';
import { OBSERVED_NODES_DOC, OBSERVED_STATUS_DOC, type ObservedClusterNodes, type ObservedServiceStatus } from '../../model/observed-status.js';
import { requestRollback } from '../shared/request-rollback.js';
import { auditEvent, mutateService } from '../shared/mutate.js';
import { steerDeployment } from '../shared/steer-deployment.js';
import type { RemediationDeps } from './health-deps.js';

function avoid(current: string[] | undefined, nodes: string[]): string[] {
  return [...new Set([...(current ?? []), ...nodes])].sort();
}

/**
 * Carries out a remediation through the same machinery a person would use: abort and rollback go
 * through the rollout path, restart / scale-out / evacuation change the service record and converge
 * (through `deps.converger`: on the alarm intake, a message to the cluster side). Reads no cluster: a
 * zone's nodes are those the probe last observed. Returns a sentence for the audit trail.
 *
 * Idempotent: a decision is carried out at least once (a failed attempt is retried by redelivering its
 * signal), so running it again must not do it twice. A restart is stamped with the decision's time, a
 * scale-out sets an absolute replica count, an evacuation adds to a set, an abort of a rollout that has
 * ended is done, and a rollback is keyed by the signal id (one rollback deployment per signal).
 *
 * `known` is the service's record as the caller has just read it (saves a read; if it is stale, the
 * change is decided again on the fresh one).
 */
export async function executeRemediation(deps: RemediationDeps, decision: ActDecision, known?: ServiceRecord): Promise<string> {
  const { service, action, signalId } = decision;
  const current = known?.name === service ? { current: known } : {};
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
      await mutateService(
        deps,
        service,
        (svc) =>
          svc.restartedAt === at
            ? undefined
            : { record: { ...svc, restartedAt: at }, events: [auditEvent(deps, service, 'Restarted', `pods restarted by remediation (${signalId})`)] },
        // The stamp is on the pod template only: the cluster side applies the Deployment, nothing else.
        { ...current, kinds: ['Deployment'] },
      );
      return 'restarted the pods';
    }
    case 'scaleOut':
      await mutateService(
        deps,
        service,
        (svc) => {
          if (svc.spec.replicas >= action.toReplicas) return undefined;
          const spec = { ...svc.spec, replicas: action.toReplicas };
          const revision = svc.revision + 1;
          return {
            record: { ...svc, spec, revision },
            revision: { service, revision, spec, createdAt: deps.clock.now().toISOString(), operationId: tag },
            events: [auditEvent(deps, service, 'ScaledOut', `scaled from ${svc.spec.replicas} to ${action.toReplicas} replicas`)],
          };
        },
        current,
      );
      return `scaled out to ${action.toReplicas} replicas`;
    case 'evacuateNode':
    case 'evacuateZone': {
      let nodes = action.kind === 'evacuateNode' ? [action.node] : [];
      if (action.kind === 'evacuateZone') nodes = await observedNodesInZone(deps, service, action.zone);
      await mutateService(
        deps,
        service,
        (svc) => {
          const avoidNodes = avoid(svc.placement?.avoidNodes, nodes);
          if (avoidNodes.length === (svc.placement?.avoidNodes?.length ?? 0)) return undefined;
          return {
            record: { ...svc, placement: { ...svc.placement, runId: svc.placement?.runId ?? tag, avoidNodes } },
            events: [auditEvent(deps, service, 'Evacuated', `moving replicas off ${nodes.join(', ')}`, { nodes })],
          };
        },
        current,
      );
      return `moving replicas off ${action.kind === 'evacuateNode' ? `node ${action.node}` : `zone ${action.zone}`}`;
    }
  }
}

/**
 * The nodes of `zone` in the service's cluster, as the probe last observed them: every node it listed
 * there (OBSERVED_NODES_DOC), and the nodes the service's own pods ran on in that zone.
 */
async function observedNodesInZone(deps: RemediationDeps, service: string, zone: string): Promise<string[]> {
  const status = (await deps.store.getDocument<ObservedServiceStatus>(OBSERVED_STATUS_DOC, service))?.value;
  const fromPods = status && 'pods' in status ? status.pods.filter((p) => p.zone === zone && p.node).map((p) => p.node!) : [];
  const cluster = status?.cluster ? (await deps.store.getDocument<ObservedClusterNodes>(OBSERVED_NODES_DOC, status.cluster))?.value : undefined;
  const fromNodes = (cluster?.nodes ?? []).filter((n) => n.zone === zone).map((n) => n.name);
  return [...new Set([...fromNodes, ...fromPods])].sort();
}

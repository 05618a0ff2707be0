import { errorMessage, OperationCompletedError, TerminalError, TransientError, VersionConflictError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { EventEnvelope } from '../../model/events.js';
import { ServiceSpec } from '../../model/service-spec.js';
import { serviceClusterIds } from '../../model/service-clusters.js';
import type { ServiceConverger } from '../../ports/service-converger.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { ClusterStore } from '../../ports/cluster-store.js';
import type { OperationStore } from '../../ports/operation-store.js';
import type { ServiceStore } from '../../ports/service-store.js';
import type { CoreDeps } from '../deps.js';
import { callerEdgeChanges } from '../shared/caller-edges.js';
import { decideServiceTransition } from '../shared/service-transition.js';
import type { AuditEvent } from '../../model/records.js';
import { crashPoint } from '../../platform/crash-points.js';

export interface ApplyServiceEventDeps extends CoreDeps<ServiceStore & OperationStore & AuditLog & ClusterStore> {
  /** Absent: state only (no cluster configured). */
  converger?: ServiceConverger;
}

export type ApplyOutcome = { outcome: 'applied'; message: string } | { outcome: 'duplicate' } | { outcome: 'rejected'; reason: string };

const MAX_ATTEMPTS = 5;

/**
 * The queue side of register/update/deregister. Level-based: it reloads the stored service, decides the
 * transition, converges the cluster, then commits the record, revision, operation outcome and audit
 * event in one conditional write. A duplicate delivery finds its operation completed and does nothing;
 * a lost race reloads and decides again.
 */
export async function applyServiceEvent(deps: ApplyServiceEventDeps, event: EventEnvelope): Promise<ApplyOutcome> {
  const operation = await deps.store.getOperation(event.id);
  if (operation && operation.status !== 'pending') return { outcome: 'duplicate' };
  const opOutcome = (status: 'succeeded' | 'failed', reason?: string) =>
    operation ? { id: event.id, status, reason, result: status === 'succeeded' ? { service: event.service } : undefined } : undefined;

  let spec: ServiceSpec | undefined;
  if (event.type !== 'service.deregistered') {
    const parsed = ServiceSpec.safeParse(event.payload.spec);
    if (!parsed.success)
      return reject(
        deps,
        event,
        operation !== undefined,
        `the event's spec is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    spec = parsed.data;
  }

  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const current = await deps.store.getService(event.service);
    const now = deps.clock.now();
    const transition = decideServiceTransition(event.type, current, spec, event.id, now, newId('evt', now));
    if (transition.kind === 'reject') return reject(deps, event, operation !== undefined, transition.reason);

    // Deregistering from a cluster that was deleted meanwhile ends too: say so in the trail.
    const named = event.type === 'service.deregistered' && current ? serviceClusterIds(current.spec).filter((c): c is string => c !== undefined) : [];
    const gone = (await Promise.all(named.map(async (c) => ((await deps.store.getCluster(c)) ? undefined : c)))).filter((c) => c !== undefined);
    const clusterGone = gone.length
      ? auditEvent(
          deps,
          event.service,
          'ClusterGone',
          `cluster${gone.length > 1 ? 's' : ''} ${gone.map((c) => `"${c}"`).join(', ')} no longer exist${gone.length > 1 ? '' : 's'}; nothing was left there to delete`,
          { cluster: gone[0], ...(gone.length > 1 ? { clusters: gone } : {}) },
          event.id,
        )
      : undefined;
    if (deps.converger) {
      try {
        await deps.converger.converge(transition.record, current);
        crashPoint(`${operation?.kind ?? event.type}.after-cluster-apply`);
      } catch (err) {
        if (err instanceof TerminalError) return reject(deps, event, operation !== undefined, `the cluster refused the change: ${err.message}`);
        throw err;
      }
    }
    try {
      await deps.store.commitServiceChange({
        service: transition.record,
        expectedVersion: transition.expectedVersion,
        revision: transition.revision,
        callerEdges: callerEdgeChanges(current, transition.record),
        operation: opOutcome('succeeded'),
        events: clusterGone ? [transition.event, clusterGone] : [transition.event],
      });
      crashPoint(`${operation?.kind ?? event.type}.after-commit`);
      return { outcome: 'applied', message: transition.message };
    } catch (err) {
      if (err instanceof OperationCompletedError) return { outcome: 'duplicate' };
      if (!(err instanceof VersionConflictError)) throw err;
    }
  }
  throw new TransientError(`service ${event.service} kept changing under ${event.type}; will retry`);
}

function auditEvent(
  deps: Pick<CoreDeps, 'clock'>,
  service: string,
  type: string,
  message: string,
  data: Record<string, unknown>,
  operationId: string,
): AuditEvent {
  const now = deps.clock.now();
  return { service, id: newId('evt', now), at: now.toISOString(), type, message, data, operationId };
}

async function reject(deps: CoreDeps<OperationStore & AuditLog>, event: EventEnvelope, hasOperation: boolean, reason: string): Promise<ApplyOutcome> {
  const now = deps.clock.now();
  const audit = {
    service: event.service,
    id: newId('evt', now),
    at: now.toISOString(),
    type: 'OperationFailed',
    message: `${event.type} failed: ${reason}`,
    operationId: event.id,
  };
  try {
    if (hasOperation) await deps.store.completeOperation({ id: event.id, status: 'failed', reason }, [audit]);
    else await deps.store.appendEvents([audit]);
  } catch (err) {
    if (err instanceof OperationCompletedError) return { outcome: 'duplicate' };
    throw new TransientError(`could not record the failure of ${event.id}: ${errorMessage(err)}`, { cause: err });
  }
  return { outcome: 'rejected', reason };
}

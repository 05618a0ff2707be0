import { OperationCompletedError, VersionConflictError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { EventEnvelope } from '../../model/events.js';
import type { DeploymentRecord } from '../../model/records.js';
import type { DeploymentStore } from '../../ports/deployment-store.js';
import type { OperationStore } from '../../ports/operation-store.js';
import type { ServiceStore } from '../../ports/service-store.js';
import type { CoreDeps } from '../deps.js';
import { crashPoint } from '../../platform/crash-points.js';

export type RecordDeployOutcome = { outcome: 'recorded'; deployment: DeploymentRecord } | { outcome: 'duplicate' } | { outcome: 'rejected'; reason: string };

/**
 * The queue side of a deploy request: records the deployment as pending, with the operation's outcome,
 * in one conditional write. A duplicate finds the operation completed (or the deployment present).
 */
export async function recordDeployRequest(deps: CoreDeps<OperationStore & ServiceStore & DeploymentStore>, event: EventEnvelope): Promise<RecordDeployOutcome> {
  const operation = await deps.store.getOperation(event.id);
  if (operation && operation.status !== 'pending') return { outcome: 'duplicate' };
  const deploymentId = String(event.payload.deploymentId ?? '');
  const image = String(event.payload.image ?? '');
  const now = deps.clock.now();
  const at = now.toISOString();
  const service = await deps.store.getService(event.service);
  if (!service || service.phase === 'deleted' || !deploymentId || !image) {
    const reason = !service || service.phase === 'deleted' ? `service "${event.service}" is not registered` : 'the event names no deployment id or image';
    if (operation)
      await deps.store.completeOperation({ id: event.id, status: 'failed', reason }, [
        { service: event.service, id: newId('evt', now), at, type: 'OperationFailed', message: `deploy.requested failed: ${reason}`, operationId: event.id },
      ]);
    return { outcome: 'rejected', reason };
  }
  if (await deps.store.getDeployment(event.service, deploymentId)) return { outcome: 'duplicate' };

  const rollout = (event.payload.rollout as DeploymentRecord['rolloutOverride']) ?? undefined;
  const deployment: DeploymentRecord = {
    id: deploymentId,
    service: event.service,
    image,
    status: 'pending',
    strategy: (rollout as { strategy?: DeploymentRecord['strategy'] } | undefined)?.strategy ?? service.spec.rollout.strategy,
    fromRevision: service.revision,
    steps: [],
    rolloutOverride: rollout,
    ...(typeof event.payload.baseRevision === 'number' ? { baseRevision: event.payload.baseRevision } : {}),
    operationId: event.id,
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
  try {
    await deps.store.putDeployment(deployment, null, operation ? { id: event.id, status: 'succeeded', result: { deploymentId } } : undefined, [
      {
        service: event.service,
        id: newId('evt', now),
        at,
        type: 'DeployRequested',
        message: `deployment ${deploymentId} of ${image} requested`,
        operationId: event.id,
        data: { deploymentId, image },
      },
    ]);
  } catch (err) {
    if (err instanceof OperationCompletedError || err instanceof VersionConflictError) return { outcome: 'duplicate' };
    throw err;
  }
  crashPoint(`${operation?.kind ?? 'deploy'}.after-deployment-recorded`);
  return { outcome: 'recorded', deployment };
}

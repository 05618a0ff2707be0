import { createHash } from 'node:crypto';
import * as z from 'zod';
import { NotFoundError, ValidationError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { OperationRecord } from '../../model/records.js';
import type { OperationStore } from '../../ports/operation-store.js';
import type { RevisionStore } from '../../ports/revision-store.js';
import type { ServiceStore } from '../../ports/service-store.js';
import type { CoreDeps } from '../deps.js';
import { acceptOperation } from './accept-operation.js';

export const RollbackRequestBody = z.strictObject({
  toRevision: z.number().int().min(1).optional().describe('The revision to restore (default: the one before the current)'),
});

/** The deployment and operation ids of the rollback of `service` requested with `idempotencyKey`. */
export function rollbackIds(service: string, idempotencyKey: string): { deploymentId: string; operationId: string } {
  const key = createHash('sha256').update(`${service}\n${idempotencyKey}`).digest('hex').slice(0, 24);
  return { deploymentId: `dep-rb-${key}`, operationId: `op-rb-${key}` };
}

/**
 * Goes back to an earlier revision through the same machinery as any deploy: a deployment of that
 * revision's spec, with a single 100% step so it is fast but still judged before it becomes stable.
 */
export async function requestRollback(
  deps: CoreDeps<ServiceStore & RevisionStore & OperationStore>,
  service: string,
  body: z.infer<typeof RollbackRequestBody>,
  correlationId?: string,
  /** Same key, same rollback: automatic remediation retries without starting a second one. */
  idempotencyKey?: string,
): Promise<{ operation: OperationRecord; deploymentId: string; toRevision: number }> {
  const current = await deps.store.getService(service);
  if (!current || current.phase === 'deleted') throw new NotFoundError(`service "${service}" is not registered`);
  const toRevision = body.toRevision ?? current.revision - 1;
  if (toRevision < 1)
    throw new ValidationError([{ path: 'toRevision', message: `${service} has only revision ${current.revision}; there is nothing earlier to go back to` }]);
  if (toRevision >= current.revision)
    throw new ValidationError([{ path: 'toRevision', message: `must be earlier than the current revision ${current.revision}` }]);
  const target = await deps.store.getRevision(service, toRevision);
  if (!target) throw new NotFoundError(`service "${service}" has no revision ${toRevision}`);
  const keyed = idempotencyKey ? rollbackIds(service, idempotencyKey) : undefined;
  const deploymentId = keyed?.deploymentId ?? newId('dep', deps.clock.now());
  const rollout = { ...target.spec.rollout, strategy: 'canary', steps: [{ weight: 100, pauseSeconds: 0, gate: 'auto' }] };
  const operation = await acceptOperation(deps, {
    kind: 'rollback',
    type: 'deploy.requested',
    service,
    payload: { deploymentId, image: target.spec.image, rollout, baseRevision: toRevision },
    correlationId,
    id: keyed?.operationId,
  });
  return { operation, deploymentId, toRevision };
}

import * as z from 'zod';
import { NotFoundError } from '../../errors.js';
import { newId } from '../../ids.js';
import { containerImage } from '../../model/names.js';
import type { OperationRecord } from '../../model/records.js';
import { RolloutPolicy } from '../../model/service-spec.js';
import type { OperationStore } from '../../ports/operation-store.js';
import type { ServiceStore } from '../../ports/service-store.js';
import type { CoreDeps } from '../deps.js';
import { acceptOperation } from '../shared/accept-operation.js';

/** Body of `POST /v1/services/{name}/deployments`; unknown fields are rejected. */
export const DeployRequest = z.strictObject({
  image: containerImage.describe('The new container image'),
  rollout: RolloutPolicy.optional().describe("Overrides the service's rollout policy for this deployment"),
});
export type DeployRequest = z.infer<typeof DeployRequest>;

/** Accepts a deployment of a new image; the rollout runs from the queue. */
export async function requestDeploy(
  deps: CoreDeps<ServiceStore & OperationStore>,
  service: string,
  request: DeployRequest,
  correlationId?: string,
): Promise<{ operation: OperationRecord; deploymentId: string }> {
  const current = await deps.store.getService(service);
  if (!current || current.phase === 'deleted') throw new NotFoundError(`service "${service}" is not registered`);
  const deploymentId = newId('dep', deps.clock.now());
  const operation = await acceptOperation(deps, {
    kind: 'deploy',
    type: 'deploy.requested',
    service,
    payload: { deploymentId, image: request.image, rollout: request.rollout },
    correlationId,
  });
  return { operation, deploymentId };
}

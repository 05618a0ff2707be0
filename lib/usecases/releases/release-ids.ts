import { createHash } from 'node:crypto';
import { rollbackIds } from '../shared/request-rollback.js';

/**
 * Deterministic ids of what a release creates, so a retried task (or a resumed execution) requests
 * nothing twice: the item's deployment and its operation, and the key of the rollback the train may start.
 */
export function itemIds(releaseId: string, service: string): { deploymentId: string; operationId: string } {
  const key = createHash('sha256').update(`${releaseId}\n${service}`).digest('hex').slice(0, 24);
  return { deploymentId: `dep-rl-${key}`, operationId: `op-rl-${key}` };
}

/** The idempotency key of the rollback of an item released by `releaseId`. */
export const rollbackKeyOf = (releaseId: string) => `release:${releaseId}`;

export function itemRollbackIds(releaseId: string, service: string): { deploymentId: string; operationId: string } {
  return rollbackIds(service, rollbackKeyOf(releaseId));
}

import { ConflictError, NotFoundError } from '../../errors.js';
import type { DeploymentRecord } from '../../model/records.js';
import type { DeploymentStore } from '../../ports/deployment-store.js';
import type { CoreDeps } from '../deps.js';
import { auditEvent, mutateDeployment } from './mutate.js';

const ACTIVE = new Set<DeploymentRecord['status']>(['pending', 'running', 'paused']);

/**
 * Records a user's promote (release a manual gate) or abort request on the deployment. The running
 * state machine reads it at its next analysis: a flag in state, not a signal to a process. Aborting a
 * deployment that is still queued ends it at once.
 */
export async function steerDeployment(deps: CoreDeps<DeploymentStore>, service: string, id: string, request: 'promote' | 'abort'): Promise<DeploymentRecord> {
  const existing = await deps.store.getDeployment(service, id);
  if (!existing) throw new NotFoundError(`service "${service}" has no deployment "${id}"`);
  if (!ACTIVE.has(existing.status)) throw new ConflictError(`deployment ${id} has ended (${existing.status}); nothing to ${request}`);
  return mutateDeployment(deps, service, id, (d) => {
    if (!ACTIVE.has(d.status)) throw new ConflictError(`deployment ${id} has ended (${d.status}); nothing to ${request}`);
    if (request === 'abort' && d.status === 'pending')
      return {
        record: { ...d, status: 'aborted', reason: 'aborted on request before it started' },
        events: [auditEvent(deps, service, 'RolloutAborted', `queued deployment ${id} aborted`, { deploymentId: id })],
      };
    if (d.requested === request) return undefined;
    // An abort is final: a later promote must not undo it (e.g. remediation aborted a bad canary).
    if (d.requested === 'abort') throw new ConflictError(`deployment ${id} is being aborted; it cannot be promoted`);
    return {
      record: { ...d, requested: request },
      events: [
        auditEvent(deps, service, request === 'abort' ? 'AbortRequested' : 'PromoteRequested', `${request} requested for deployment ${id}`, {
          deploymentId: id,
        }),
      ],
    };
  });
}

import { NotFoundError, TransientError, VersionConflictError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { AuditEvent, DeploymentRecord, RevisionRecord, ServiceRecord } from '../../model/records.js';
import type { DeploymentStore } from '../../ports/deployment-store.js';
import type { ServiceStore } from '../../ports/service-store.js';
import type { CoreDeps } from '../deps.js';
import type { ConvergeOptions, ServiceConverger } from '../../ports/service-converger.js';
import { callerEdgeChanges } from './caller-edges.js';
import { nextPodRevision } from './service-transition.js';
import { crashPoint } from '../../platform/crash-points.js';

const ATTEMPTS = 5;

export function auditEvent(
  deps: Pick<CoreDeps, 'clock'>,
  service: string,
  type: string,
  message: string,
  data?: Record<string, unknown>,
  operationId?: string,
): AuditEvent {
  const now = deps.clock.now();
  return { service, id: newId('evt', now), at: now.toISOString(), type, message, data, operationId };
}

export interface ServiceMutation {
  record: ServiceRecord;
  revision?: RevisionRecord;
  events?: AuditEvent[];
}

/**
 * Read-modify-write of a service with optimistic concurrency: `mutate` sees the latest record and returns
 * the new one (or undefined: nothing to change). On success the cluster is converged to it. A lost race
 * reloads and decides again.
 *
 * With `applyFirst` the cluster is converged to the new record before it is committed: the change and
 * its events are recorded only once the cluster holds it (a rollback must not be on record while the
 * cluster still serves the canary). A failed apply leaves the store as it was and throws.
 *
 * With `clusters`, only those clusters are converged (a change that renders the same elsewhere), and
 * with `kinds` only those objects (a change that renders differently only there); a newer change that
 * committed meanwhile is still converged everywhere, in full.
 *
 * With `current`, the record as the caller has just read it is the first attempt's (saving a read; a
 * stale one loses the conditional write and is read again).
 */
export async function mutateService(
  deps: CoreDeps<ServiceStore> & { converger: ServiceConverger },
  name: string,
  mutate: (current: ServiceRecord) => ServiceMutation | undefined,
  options: { applyFirst?: boolean; current?: ServiceRecord } & ConvergeOptions = {},
): Promise<ServiceRecord> {
  const only: ConvergeOptions = { ...(options.clusters ? { clusters: options.clusters } : {}), ...(options.kinds ? { kinds: options.kinds } : {}) };
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = attempt === 0 && options.current ? options.current : await deps.store.getService(name);
    if (!current || current.phase === 'deleted') throw new NotFoundError(`service "${name}" is not registered`);
    const change = mutate(current);
    if (!change) {
      await deps.converger.converge(current, current, only);
      return current;
    }
    const podRevision =
      change.record.revision !== current.revision ? nextPodRevision(current, change.record.spec, change.record.revision) : change.record.podRevision;
    const record = { ...change.record, podRevision, version: current.version + 1, updatedAt: deps.clock.now().toISOString() };
    if (options.applyFirst) await deps.converger.converge(record, current, only);
    try {
      await deps.store.commitServiceChange({
        service: record,
        expectedVersion: current.version,
        revision: change.revision,
        callerEdges: callerEdgeChanges(current, record),
        events: change.events ?? [],
      });
    } catch (err) {
      if (err instanceof VersionConflictError) continue;
      throw err;
    }
    crashPoint(`rollout.after-commit.${change.events?.[0]?.type ?? 'change'}`);
    if (!options.applyFirst) await deps.converger.converge(record, current, only);
    crashPoint(`rollout.after-apply.${change.events?.[0]?.type ?? 'change'}`);
    // A newer change may have committed and converged while we were converging: then ours may have
    // landed last and left the cluster behind the store. Converge to the newest again (a level-based
    // converger converges to the newest whenever it runs: nothing to do).
    if (deps.converger.levelBased) return record;
    const latest = await deps.store.getService(name);
    if (latest && latest.version > record.version) await deps.converger.converge(latest, record);
    return record;
  }
  throw new TransientError(`service ${name} kept changing; will retry`);
}

/** Read-modify-write of a deployment record with optimistic concurrency. */
export async function mutateDeployment(
  deps: CoreDeps<DeploymentStore>,
  service: string,
  id: string,
  mutate: (current: DeploymentRecord) => { record: DeploymentRecord; events?: AuditEvent[] } | undefined,
): Promise<DeploymentRecord> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await deps.store.getDeployment(service, id);
    if (!current) throw new NotFoundError(`service "${service}" has no deployment "${id}"`);
    const change = mutate(current);
    if (!change) return current;
    const record = { ...change.record, version: current.version + 1, updatedAt: deps.clock.now().toISOString() };
    try {
      await deps.store.putDeployment(record, current.version, undefined, change.events ?? []);
      return record;
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
    }
  }
  throw new TransientError(`deployment ${id} kept changing; will retry`);
}

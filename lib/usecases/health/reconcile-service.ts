/**
 * The level-based reconcile of one service at one probe, like a Kubernetes controller's sync: compare
 * what the store says the cluster should hold (every object the converger renders) with what the
 * probe's snapshot shows, re-apply through the converger when they differ, and record what was
 * observed (the `observed` document the API serves). A deleted Deployment is recreated at the next
 * probe; a change that failed while the cluster was unreachable is re-applied once it answers; a
 * re-apply that keeps failing backs off. Audit events once per episode (see lib/health/decide-reconcile.ts).
 */
import { errorMessage, isRetryable, VersionConflictError } from '../../errors.js';
import { afterReapply, decideReconcile, type ReconcileEvent, type ReconcileObservation } from '../../health/decide-reconcile.js';
import { unschedulable } from '../../health/find-problems.js';
import { findDrift } from '../../health/object-drift.js';
import { nodeLossEvidence, type NodeLossEvent } from '../../health/node-loss.js';
import { renderService } from '../../mesh/render-service.js';
import { OBSERVED_STATUS_DOC, type ObservedServiceStatus, type ServiceStatus } from '../../model/observed-status.js';
import type { ServiceRecord } from '../../model/records.js';
import { renderContextFor, neighbourhoodFrom } from '../shared/render-context.js';
import { combineCellStatuses, exposureStatusOf, serviceStatus, stableReplicasOf } from '../shared/service-status.js';
import { auditEvent } from '../shared/mutate.js';
import { ownerKey, type SnapshotResult } from './cluster-snapshots.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { DocumentStore } from '../../ports/document-store.js';
import type { ServiceStore } from '../../ports/service-store.js';
import type { HealthDeps, ServiceReconcileMemory } from './health-deps.js';

/** The reconcile's part of the probe memory: its episode state, and the observed document's version. */

export type { ServiceReconcileMemory };

export interface ReconcileOutcome {
  memory: ServiceReconcileMemory;
  /** True when desired state was re-applied this run (successfully). */
  reapplied: boolean;
  /** Why a re-apply failed, for the probe's error list. */
  error?: string;
}

/**
 * @param all every live service (the probe's listing): the neighbourhood the objects are rendered with
 * @param cluster the service's cluster as the probe read it; for a service in several clusters, each of them
 */
export async function reconcileService(
  deps: HealthDeps<ServiceStore & AuditLog & DocumentStore>,
  service: ServiceRecord,
  all: readonly ServiceRecord[],
  cluster: SnapshotResult | SnapshotResult[],
  memory: ServiceReconcileMemory,
  now: Date,
): Promise<ReconcileOutcome> {
  const at = now.toISOString();
  if (Array.isArray(cluster)) return reconcileCells(deps, service, all, cluster, memory, now);
  if (!cluster) {
    const observedVersion = await writeObserved(deps, service.name, { error: 'no cluster is registered: state only', observedAt: at }, memory.observedVersion);
    return { memory: { ...memory, observedVersion }, reapplied: false };
  }
  const outcome = await reconcileInCluster(deps, service, all, cluster, memory, now, false);
  const observedVersion = await writeObserved(deps, service.name, outcome.observed, memory.observedVersion);
  return { memory: { ...outcome.memory, observedVersion }, reapplied: outcome.reapplied, error: outcome.error };
}

/** A service in several clusters: each cluster reconciled on its own (its own episodes), one observation of them all. */
async function reconcileCells(
  deps: HealthDeps<ServiceStore & AuditLog & DocumentStore>,
  service: ServiceRecord,
  all: readonly ServiceRecord[],
  results: SnapshotResult[],
  memory: ServiceReconcileMemory,
  now: Date,
): Promise<ReconcileOutcome> {
  const cells: Record<string, ServiceReconcileMemory> = {};
  const observed: { cluster: string; observed: ServiceStatus | { error: string } }[] = [];
  let reapplied = false;
  const errors: string[] = [];
  for (const result of results) {
    if (!result) continue;
    const id = result.cluster.id;
    const outcome = await reconcileInCluster(deps, service, all, result, memory.cells?.[id] ?? {}, now, true);
    cells[id] = outcome.memory;
    const { observedAt: _at, cluster: _cluster, ...status } = outcome.observed;
    observed.push({ cluster: id, observed: status as ServiceStatus | { error: string } });
    reapplied ||= outcome.reapplied;
    if (outcome.error) errors.push(`${id}: ${outcome.error}`);
  }
  const at = now.toISOString();
  const value = observed.length ? combineCellStatuses(observed, at) : { error: 'no cluster is registered: state only', observedAt: at };
  const observedVersion = await writeObserved(deps, service.name, value, memory.observedVersion);
  return { memory: { ...memory, cells, observedVersion }, reapplied, error: errors.join('; ') || undefined };
}

/** Reconciles the service in one cluster and returns what it observed there (the caller writes it). */
async function reconcileInCluster(
  deps: HealthDeps<ServiceStore & AuditLog & DocumentStore>,
  service: ServiceRecord,
  all: readonly ServiceRecord[],
  cluster: NonNullable<SnapshotResult>,
  memory: ServiceReconcileMemory,
  now: Date,
  onlyThisCluster: boolean,
): Promise<{ memory: ServiceReconcileMemory; reapplied: boolean; error?: string; observed: ObservedServiceStatus }> {
  const at = now.toISOString();
  const clusterId = cluster.cluster.id;
  let observation: ReconcileObservation;
  let observed: ObservedServiceStatus;
  let nodeLoss: ReturnType<typeof nodeLossEvidence> | undefined;
  if ('error' in cluster) {
    observation = { reachable: false, cluster: clusterId, error: cluster.error };
    observed = { error: `cluster ${clusterId} cannot be read: ${cluster.error}`, observedAt: at, cluster: clusterId };
  } else {
    const key = ownerKey(service.spec.namespace, service.name);
    const live = cluster.snapshot.objects.get(key) ?? [];
    const pods = cluster.snapshot.pods.get(key) ?? [];
    const rendered = renderService(service.spec, renderContextFor(service, neighbourhoodFrom(service, all), clusterId));
    observation = {
      reachable: true,
      cluster: clusterId,
      drift: findDrift(rendered, live),
      unschedulablePods: unschedulable(pods).length,
      changedAt: service.updatedAt,
    };
    nodeLoss = nodeLossEvidence(service.name, memory.nodeLoss, pods, cluster.snapshot.nodes);
    const exposure = exposureStatusOf(service, live);
    observed = { ...serviceStatus(service, stableReplicasOf(service, live), pods), ...(exposure ? { exposure } : {}), observedAt: at, cluster: clusterId };
  }

  const decision = decideReconcile(observation, memory, now);
  // Kept while the cluster cannot be read, so evictions meanwhile are still seen once it can.
  const nodeLossMemory = nodeLoss?.memory ?? memory.nodeLoss;
  const keepNodeLoss = nodeLossMemory ? { nodeLoss: nodeLossMemory } : {};
  let next: ServiceReconcileMemory = { ...decision.memory, observedVersion: memory.observedVersion, ...keepNodeLoss };
  const events: (ReconcileEvent | NodeLossEvent)[] = [...decision.events, ...(nodeLoss?.events ?? [])];
  let reapplied = false;
  let error: string | undefined;
  if (decision.apply && observation.reachable) {
    // Re-read first: a change committed since the listing converges itself; the next probe judges it.
    const latest = await deps.store.getService(service.name);
    if (latest && latest.version === service.version) {
      try {
        if (onlyThisCluster) await deps.converger.converge(latest, latest, { clusters: [clusterId] });
        else await deps.converger.converge(latest, latest);
        reapplied = true;
        const after = afterReapply(next, observation.drift, { ok: true }, now);
        next = { ...after.memory, observedVersion: next.observedVersion, ...keepNodeLoss };
        events.push(...after.events);
      } catch (err) {
        error = `re-applying desired state: ${errorMessage(err)}`;
        const after = afterReapply(next, observation.drift, { ok: false, error: errorMessage(err), retryable: isRetryable(err) }, now);
        next = { ...after.memory, observedVersion: next.observedVersion, ...keepNodeLoss };
        events.push(...after.events);
      }
    }
  }
  if (events.length) await deps.store.appendEvents(events.map((e) => auditEvent(deps, service.name, e.type, e.message, { ...e.data, cluster: clusterId })));
  return { memory: next, reapplied, error, observed };
}

/** An observation nobody refreshes (the service was deregistered) expires after a day. */
const OBSERVED_TTL_SECONDS = 24 * 3600;

/** Writes the observed status; the version from memory saves a read, a stale one costs one. */
async function writeObserved(
  deps: Pick<HealthDeps<DocumentStore>, 'store'>,
  service: string,
  value: ObservedServiceStatus,
  known: number | undefined,
): Promise<number> {
  try {
    return await deps.store.putDocument(OBSERVED_STATUS_DOC, service, value, known ?? null, OBSERVED_TTL_SECONDS);
  } catch (err) {
    if (!(err instanceof VersionConflictError)) throw err;
    const current = await deps.store.getDocument<ObservedServiceStatus>(OBSERVED_STATUS_DOC, service);
    return deps.store.putDocument(OBSERVED_STATUS_DOC, service, value, current?.version ?? null, OBSERVED_TTL_SECONDS);
  }
}

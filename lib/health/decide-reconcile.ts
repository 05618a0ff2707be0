/**
 * The level-based reconcile's decision for one service at one probe: re-apply desired state or not,
 * when to try again after a failed re-apply, and which audit events to write. Pure: the caller reads
 * the cluster, renders desired state, calls these with `now`, stores the memory and writes the events.
 *
 * Events are written once per episode, not once per probe: a condition that lasts ten probes (an
 * unreachable cluster, a re-apply the API server keeps refusing, pods nobody can schedule) gives one
 * event when it starts and one when it ends.
 */
import { describeDrift, type ObjectDrift } from './object-drift.js';

/** What the reconcile remembers about a service between probes (in the probe's memory document). */
export interface ReconcileMemory {
  /** The cluster could not be read since this time (ISO); absent when it could. */
  unreachableSince?: string;
  /** Failed re-applies in a row; 0 or absent when the last one succeeded. */
  attempts?: number;
  /** No re-apply before this time (ISO), after a failed one. */
  nextTryAt?: string;
  /** The last re-apply's error. */
  lastError?: string;
  /** Pods of the service could not be scheduled since this time (ISO). */
  unschedulableSince?: string;
}

/** Backoff of failed re-applies: base·2^(attempts−1), at most max. */
export interface ReconcileBackoff {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RECONCILE_BACKOFF: ReconcileBackoff = { baseMs: 30_000, maxMs: 10 * 60_000 };

/** An audit event to write (the caller adds service, id and time). */
export interface ReconcileEvent {
  type: 'DriftRepaired' | 'ReconcileFailing' | 'ClusterUnreachable' | 'ClusterReachable' | 'CannotSchedule' | 'Scheduled';
  message: string;
  data?: Record<string, unknown>;
}

/** What the probe saw of the service's cluster this run. */
export type ReconcileObservation =
  | { reachable: false; cluster: string; error: string }
  | {
      reachable: true;
      cluster: string;
      drift: ObjectDrift[];
      /** Pods of the service that no node can take (Pending, unbound). */
      unschedulablePods: number;
      /** When the service's record last changed (ISO): a change that recent is still converging itself. */
      changedAt?: string;
    };

/**
 * A record changed less than this long ago is left to the change's own apply (a rollout step commits,
 * then converges): drift seen meanwhile is the store being ahead for a moment, not drift.
 */
export const SETTLING_MS = 10_000;

export interface ReconcileDecision {
  /** Re-apply the service's desired state now. */
  apply: boolean;
  /** Memory to store (before the outcome of an apply; see {@link afterReapply}). */
  memory: ReconcileMemory;
  events: ReconcileEvent[];
}

/**
 * Decides for one service (the drift itself is reported with the outcome, by {@link afterReapply}). An unreachable cluster opens an episode (one event) and nothing is applied;
 * when it answers again the episode closes, and whatever failed meanwhile shows up as drift. Drift is
 * re-applied unless a failed re-apply's backoff has not run out.
 */
export function decideReconcile(observation: ReconcileObservation, memory: ReconcileMemory, now: Date): ReconcileDecision {
  const at = now.toISOString();
  const events: ReconcileEvent[] = [];
  if (!observation.reachable) {
    if (memory.unreachableSince === undefined)
      events.push({
        type: 'ClusterUnreachable',
        message: `cluster ${observation.cluster} cannot be read (${observation.error}); desired state is re-applied once it answers`,
        data: { cluster: observation.cluster, error: observation.error },
      });
    return { apply: false, memory: { ...memory, unreachableSince: memory.unreachableSince ?? at }, events };
  }

  const next: ReconcileMemory = { ...memory };
  if (memory.unreachableSince !== undefined) {
    delete next.unreachableSince;
    events.push({
      type: 'ClusterReachable',
      message: `cluster ${observation.cluster} answers again (unreachable since ${memory.unreachableSince}); comparing desired state with it`,
      data: { cluster: observation.cluster, unreachableSince: memory.unreachableSince },
    });
  }
  if (observation.unschedulablePods > 0 && memory.unschedulableSince === undefined) {
    next.unschedulableSince = at;
    events.push({
      type: 'CannotSchedule',
      message: `${observation.unschedulablePods} pod(s) cannot be scheduled: no node has room or matches their placement`,
      data: { pods: observation.unschedulablePods },
    });
  } else if (observation.unschedulablePods === 0 && memory.unschedulableSince !== undefined) {
    delete next.unschedulableSince;
    events.push({
      type: 'Scheduled',
      message: `every pod is scheduled again (unschedulable since ${memory.unschedulableSince})`,
      data: { since: memory.unschedulableSince },
    });
  }

  if (observation.drift.length === 0) {
    // Converged (by us earlier, or by a change's own apply): a failing episode is over.
    if (memory.attempts) events.push({ type: 'DriftRepaired', message: `the cluster matches desired state again after ${memory.attempts} failed re-apply(s)` });
    delete next.attempts;
    delete next.nextTryAt;
    delete next.lastError;
    return { apply: false, memory: next, events };
  }
  const settling = observation.changedAt !== undefined && now.getTime() - Date.parse(observation.changedAt) < SETTLING_MS;
  if (settling) return { apply: false, memory: next, events };
  // The drift is reported with the re-apply's outcome (see afterReapply): one event when it is repaired at once.
  const waiting = memory.nextTryAt !== undefined && Date.parse(memory.nextTryAt) > now.getTime();
  return { apply: !waiting, memory: next, events };
}

/** The memory and events after a re-apply: success ends the episode, a failure backs off. */
export function afterReapply(
  memory: ReconcileMemory,
  drift: readonly ObjectDrift[],
  outcome: { ok: true } | { ok: false; error: string; retryable: boolean },
  now: Date,
  backoff: ReconcileBackoff = DEFAULT_RECONCILE_BACKOFF,
): { memory: ReconcileMemory; events: ReconcileEvent[] } {
  const found = describeDrift(drift);
  const data = { drift: drift.slice(0, 20) };
  if (outcome.ok) {
    const { attempts, nextTryAt: _n, lastError: _l, ...rest } = memory;
    const after = attempts ? ` after ${attempts} failed attempt(s)` : '';
    return { memory: rest, events: [{ type: 'DriftRepaired', message: `the cluster differed from desired state (${found}); re-applied${after}`, data }] };
  }
  const attempts = (memory.attempts ?? 0) + 1;
  const waitMs = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (attempts - 1));
  const nextTryAt = new Date(now.getTime() + waitMs).toISOString();
  return {
    memory: { ...memory, attempts, nextTryAt, lastError: outcome.error },
    events:
      attempts === 1
        ? [
            {
              type: 'ReconcileFailing',
              message: `the cluster differs from desired state (${found}); re-applying failed: ${outcome.error}; retrying with backoff (next at ${nextTryAt})`,
              data: { ...data, error: outcome.error, retryable: outcome.retryable, nextTryAt },
            },
          ]
        : [],
  };
}

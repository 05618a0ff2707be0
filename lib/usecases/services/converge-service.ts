import { errorMessage, TerminalError } from '../../errors.js';
import type { EventEnvelope } from '../../model/events.js';
import { CONVERGE_KINDS, type ConvergeKind, type ServiceConverger } from '../../ports/service-converger.js';
import type { CoreDeps } from '../deps.js';
import { auditEvent } from '../shared/mutate.js';

export interface ConvergeServiceDeps extends CoreDeps {
  /** Absent: state only (no cluster configured); there is nothing to converge. */
  converger?: ServiceConverger;
}

export type ConvergeOutcome = { outcome: 'converged'; version: number } | { outcome: 'nothing'; reason: string } | { outcome: 'rejected'; reason: string };

/**
 * The cluster side of `service.converge` (see convergeLater): reloads the service and converges its
 * cluster to the stored record, whatever change asked for it. Level-based, so a duplicate or late copy
 * applies what is stored now and changes nothing more. A retryable failure is thrown (the queue
 * redelivers; after its last receive the probe's reconcile still re-applies the drift); a terminal one is
 * recorded in the service's audit trail, and the reconcile reports the drift once per episode.
 *
 * A request that names `kinds` (see convergeLater) applies only those; one naming a kind this code does
 * not know converges in full (never less than asked).
 */
export async function convergeService(deps: ConvergeServiceDeps, event: EventEnvelope): Promise<ConvergeOutcome> {
  const record = await deps.store.getService(event.service);
  if (!record || record.phase === 'deleted') return { outcome: 'nothing', reason: `service ${event.service} is not registered` };
  if (!deps.converger) return { outcome: 'nothing', reason: 'no cluster is configured' };
  try {
    const kinds = scopedKinds(event.payload.kinds);
    await deps.converger.converge(record, record, kinds ? { kinds } : {});
  } catch (err) {
    if (!(err instanceof TerminalError)) throw err;
    const reason = `the cluster refused version ${record.version} of ${record.name}: ${errorMessage(err)}`;
    await deps.store.appendEvents([auditEvent(deps, record.name, 'ConvergeFailed', reason, { version: record.version, requestedBy: event.id })]);
    return { outcome: 'rejected', reason };
  }
  return { outcome: 'converged', version: record.version };
}

/** The kinds a request is scoped to, when every one of them is known; undefined (all kinds) otherwise. */
function scopedKinds(value: unknown): ConvergeKind[] | undefined {
  if (!Array.isArray(value) || !value.length) return undefined;
  return value.every((k): k is ConvergeKind => (CONVERGE_KINDS as readonly unknown[]).includes(k)) ? value : undefined;
}

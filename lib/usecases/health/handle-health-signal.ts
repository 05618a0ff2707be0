import { decideRemediation } from '../../health/decide-remediation.js';
import { HealthSignal } from '../../health/health-signal.js';
import { emptyLedger, recordDecision, type RemediationLedger } from '../../health/remediation-ledger.js';
import { DEFERRABLE_NONE_REASONS, type Decision } from '../../health/remediation-types.js';
import { errorMessage, VersionConflictError } from '../../errors.js';
import type { EventEnvelope } from '../../model/events.js';
import { auditEvent } from '../rollouts/mutate.js';
import { buildHealthContext } from './build-health-context.js';
import { executeRemediation } from './execute-remediation.js';
import { emptyMemory, HEALTH_DOCS, type HealthDeps, type ServiceHealthMemory } from './health-deps.js';

const RECENT_SIGNALS = 50;
/** Deferred signals older than this are not re-sent any more (the ledger forgets signal ids after a day). */
const MAX_DEFERRED_AGE_MS = 24 * 3_600_000;
const LEDGER_ATTEMPTS = 8;

/**
 * Full-jitter wait before the next attempt on the global ledger: in an alarm storm every concurrent
 * decider writes that one item, and retrying at once would lose the race again (and, after the last
 * attempt, leave the message and its group waiting for the visibility timeout).
 */
const conflictBackoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(250, 10 * 2 ** attempt)));

export type HealthOutcome = { outcome: 'decided'; decision: Decision; result?: string } | { outcome: 'rejected'; reason: string };

/**
 * The queue side of a health signal: decide (pure policy) with the service's state and the global
 * ledger, commit the ledger conditionally (so concurrent deciders cannot both spend the last token or
 * both act on one duplicated alarm), then act and record why in the audit trail.
 */
export async function handleHealthSignal(deps: HealthDeps, event: EventEnvelope): Promise<HealthOutcome> {
  const parsed = HealthSignal.safeParse(event.payload.signal);
  if (!parsed.success) {
    await deps.store.appendEvents([auditEvent(deps, event.service, 'HealthSignalDropped', `a health event that is not a signal was dropped: ${parsed.error.issues[0]?.message}`)]);
    return { outcome: 'rejected', reason: 'not a health signal' };
  }
  const signal = parsed.data;
  const now = deps.clock.now().toISOString();

  const [memoryDoc, service] = await Promise.all([deps.store.getDocument<ServiceHealthMemory>(...HEALTH_DOCS.service(signal.service)), deps.store.getService(signal.service)]);
  const memory = memoryDoc?.value ?? emptyMemory();
  const live = service && service.phase !== 'deleted' ? service : undefined;
  const context = live ? await buildHealthContext(deps, live, memory.recentSignals) : undefined;

  // Only the ledger is re-read on a conflict: the window between reading and writing it stays short.
  let decision: Decision | undefined;
  for (let attempt = 0; attempt < LEDGER_ATTEMPTS && !decision; attempt++) {
    const ledgerDoc = await deps.store.getDocument<RemediationLedger>(...HEALTH_DOCS.ledger);
    const candidate = decideRemediation(signal, { service: context, ledger: ledgerDoc?.value ?? emptyLedger() }, deps.remediationPolicy, now);
    try {
      await deps.store.putDocument(HEALTH_DOCS.ledger[0], HEALTH_DOCS.ledger[1], recordDecision(ledgerDoc?.value ?? emptyLedger(), candidate, deps.remediationPolicy, now), ledgerDoc?.version ?? null);
      decision = candidate;
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
      if (attempt + 1 < LEDGER_ATTEMPTS) await conflictBackoff(attempt);
    }
  }
  if (!decision) throw new VersionConflictError('the remediation ledger kept changing; will retry');

  await rememberSignal(deps, signal, decision);
  let result: string | undefined;
  if (decision.kind !== 'none') {
    try {
      result = await executeRemediationSafely(deps, decision);
    } catch (err) {
      result = `the action failed: ${errorMessage(err)}`;
    }
  }
  const type = decision.kind === 'none' ? (decision.noneReason === 'unknownService' ? 'HealthAlarmDropped' : 'RemediationSkipped') : 'RemediationApplied';
  await deps.store.appendEvents([
    auditEvent(deps, signal.service, type, `${decision.reason}${result ? ` → ${result}` : ''}`, {
      signal: { id: signal.id, kind: signal.kind, state: signal.state, source: signal.source, track: signal.track, node: signal.node, zone: signal.zone, reason: signal.reason },
      decision: decision.kind,
      ...(decision.kind === 'none' ? { noneReason: decision.noneReason, wouldDo: decision.wouldDo, retryAfter: decision.retryAfter } : { action: decision.action }),
      evidence: decision.evidence,
    }),
  ]);
  return { outcome: 'decided', decision, result };
}

async function executeRemediationSafely(deps: HealthDeps, decision: Decision & { kind: Exclude<Decision['kind'], 'none'> }): Promise<string> {
  return executeRemediation(deps, decision.service, decision.action, decision.signalId);
}

/**
 * Keeps the signal in the service's recent history and, for a one-shot source whose decision was
 * deferred, in `deferred` so the probe re-sends it at `retryAfter` (the probe's own signals repeat anyway).
 */
async function rememberSignal(deps: HealthDeps, signal: HealthSignal, decision: Decision): Promise<void> {
  const defer = signal.source !== 'probe' && decision.kind === 'none' && DEFERRABLE_NONE_REASONS.has(decision.noneReason) && decision.retryAfter !== undefined;
  const nowMs = deps.clock.now().getTime();
  for (let attempt = 0; attempt < 5; attempt++) {
    const doc = await deps.store.getDocument<ServiceHealthMemory>(...HEALTH_DOCS.service(signal.service));
    const memory = doc?.value ?? emptyMemory();
    const deferred = Object.fromEntries(
      Object.entries(memory.deferred ?? {}).filter(([id, d]) => id !== signal.id && nowMs - Date.parse(d.signal.observedAt) <= MAX_DEFERRED_AGE_MS),
    );
    if (defer) deferred[signal.id] = { signal, retryAfter: decision.retryAfter! };
    const duplicate = decision.kind === 'none' && decision.noneReason === 'duplicate';
    // A duplicate changes nothing, unless it was waiting to be re-sent.
    if (duplicate && !memory.deferred?.[signal.id]) return;
    const recentSignals = duplicate ? memory.recentSignals : [...memory.recentSignals.filter((s) => s.id !== signal.id), signal].slice(-RECENT_SIGNALS);
    try {
      await deps.store.putDocument(HEALTH_DOCS.service(signal.service)[0], signal.service, { ...memory, recentSignals, deferred }, doc?.version ?? null);
      return;
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
    }
  }
}

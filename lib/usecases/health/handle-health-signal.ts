import { decideRemediation } from '../../health/decide-remediation.js';
import { escalationMessage, gateSignal, type Escalation } from '../../health/escalation.js';
import { HealthSignal, signalKey } from '../../health/health-signal.js';
import { emptyLedger, ledgerView, ledgerWrite, type RemediationLedger, type SeenShard } from '../../health/remediation-ledger.js';
import { DEFERRABLE_NONE_REASONS, type ActDecision, type Decision } from '../../health/remediation-types.js';
import { errorMessage, isRetryable, VersionConflictError } from '../../errors.js';
import type { EventEnvelope } from '../../model/events.js';
import { auditEvent } from '../shared/mutate.js';
import { buildHealthContext } from './build-health-context.js';
import { executeRemediation } from './execute-remediation.js';
import { emptyMemory, HEALTH_DOCS, type RemediationDeps, type ServiceHealthMemory } from './health-deps.js';
import { updateHealthMemory } from './health-memory.js';

const RECENT_SIGNALS = 50;
/** Deferred signals and pending actions older than this are dropped (the ledger forgets signal ids after a day). */
const MAX_DEFERRED_AGE_MS = 24 * 3_600_000;
const LEDGER_ATTEMPTS = 8;
/** Per-service part of the ledger (see SeenShard): document ('health-seen', service). */
const SEEN_SHARD_KIND = 'health-seen';
/**
 * Outcomes that repeat at every probe while the condition lasts and that only a person changes (finding
 * 7: 96 identical "exhausted" events for one unschedulable service): written once per episode.
 */
const ONCE_PER_EPISODE = new Set<string>(['exhausted', 'noSafeAction', 'flapping', 'staleSignal']);
/** Outcomes that mean remediation has nothing left to try: a person is told once (lib/health/escalation.ts). */
const ESCALATING = new Set<string>(['exhausted', 'noSafeAction']);
const conditionKey = (signal: HealthSignal) => `${signalKey(signal)}${signal.node ? `/${signal.node}` : ''}`;

/**
 * Full-jitter wait before the next attempt on the global ledger: in an alarm storm every concurrent
 * decider writes that one item, and retrying at once would lose the race again (and, after the last
 * attempt, leave the message and its group waiting for the visibility timeout).
 */
const conflictBackoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(250, 10 * 2 ** attempt)));

export type HealthOutcome = { outcome: 'decided'; decision: Decision; result?: string } | { outcome: 'rejected'; reason: string };

/**
 * The queue side of a health signal: decide (pure policy) with the service's state (its pods as the
 * probe last observed them: no cluster is read) and the global ledger, commit the ledger conditionally
 * (so concurrent deciders cannot both spend the last token or both act on one duplicated alarm), then
 * act and record why in the audit trail.
 *
 * Actions run at least once: the action is recorded as pending in the service's health memory before
 * it runs and cleared after. If it fails in a way that may pass, the error is rethrown so the queue
 * redelivers the signal; the ledger then calls it a duplicate (it is not charged again) and the
 * pending action runs again. Every action is idempotent (see executeRemediation). An action that changes
 * the cluster is committed to the store here; its converger (on the alarm intake: a `service.converge`
 * message to the cluster side) makes the cluster follow, and the probe's reconcile re-applies if that fails.
 */
export async function handleHealthSignal(deps: RemediationDeps, event: EventEnvelope): Promise<HealthOutcome> {
  const parsed = HealthSignal.safeParse(event.payload.signal);
  if (!parsed.success) {
    await deps.store.appendEvents([
      auditEvent(deps, event.service, 'HealthSignalDropped', `a health event that is not a signal was dropped: ${parsed.error.issues[0]?.message}`),
    ]);
    return { outcome: 'rejected', reason: 'not a health signal' };
  }
  const signal = parsed.data;
  const now = deps.clock.now().toISOString();

  const [memoryDoc, service] = await Promise.all([
    deps.store.getDocument<ServiceHealthMemory>(...HEALTH_DOCS.service(signal.service)),
    deps.store.getService(signal.service),
  ]);
  const memory = memoryDoc?.value ?? emptyMemory();
  const live = service && service.phase !== 'deleted' ? service : undefined;
  // An open escalation to a person silences its conditions until something changes (lib/health/escalation.ts).
  const quietSeconds = deps.remediationPolicy.flapping.windowSeconds;
  const gate = gateSignal(signal, conditionKey(signal), memory.escalation, live?.version, now, quietSeconds);
  if (gate.silent) {
    await updateHealthMemory(deps, signal.service, (fresh) => ({ ...fresh, escalation: gate.escalation }));
    const reason = `an escalation to a person is open for ${signal.kind} since ${memory.escalation!.openedAt}; nothing is done until the service changes`;
    const decision: Decision = { signalId: signal.id, service: signal.service, decidedAt: now, kind: 'none', noneReason: 'escalated', reason, evidence: {} };
    // The probe repeats a lasting condition every run: that stays quiet. An alarm someone sent is answered in the trail.
    if (signal.source !== 'probe')
      await deps.store.appendEvents([auditEvent(deps, signal.service, 'RemediationSkipped', reason, decisionData(signal, decision))]);
    return { outcome: 'decided', decision };
  }
  const context = live ? await buildHealthContext(deps, live, memory.recentSignals) : undefined;

  // Only the ledger is re-read on a conflict: the window between reading and writing it stays short.
  // A decision writes one document at most (see ledgerWrite): the global ledger only when it acts.
  let decision: Decision | undefined;
  for (let attempt = 0; attempt < LEDGER_ATTEMPTS && !decision; attempt++) {
    const [ledgerDoc, shardDoc] = await Promise.all([
      deps.store.getDocument<RemediationLedger>(...HEALTH_DOCS.ledger),
      deps.store.getDocument<SeenShard>(SEEN_SHARD_KIND, signal.service),
    ]);
    const global = ledgerDoc?.value ?? emptyLedger();
    const candidate = decideRemediation(signal, { service: context, ledger: ledgerView(global, shardDoc?.value) }, deps.remediationPolicy, now);
    const write = ledgerWrite(global, shardDoc?.value, candidate, deps.remediationPolicy, now);
    try {
      if (write && 'global' in write) await deps.store.putDocument(HEALTH_DOCS.ledger[0], HEALTH_DOCS.ledger[1], write.global, ledgerDoc?.version ?? null);
      else if (write)
        await deps.store.putDocument(
          SEEN_SHARD_KIND,
          signal.service,
          write.shard,
          shardDoc?.version ?? null,
          deps.remediationPolicy.dedupWindowSeconds + 3_600,
        );
      decision = candidate;
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
      if (attempt + 1 < LEDGER_ATTEMPTS) await conflictBackoff(attempt);
    }
  }
  if (!decision) throw new VersionConflictError('the remediation ledger kept changing; will retry');

  // A condition nothing will change without a person is reported once per episode, not at every probe.
  // Only the probe repeats a signal while a condition lasts; a decision on an alarm from elsewhere is always recorded.
  const repeated =
    signal.source === 'probe' &&
    decision.kind === 'none' &&
    ONCE_PER_EPISODE.has(decision.noneReason) &&
    memory.skipped?.[conditionKey(signal)] === decision.noneReason;
  // Nothing left to try: escalate to a person once; a condition joining an open escalation says nothing more.
  const escalates = live && signal.state === 'ALARM' && decision.kind === 'none' && ESCALATING.has(decision.noneReason);
  const escalation: Escalation | undefined = escalates
    ? {
        openedAt: gate.escalation?.openedAt ?? now,
        serviceVersion: live.version,
        conditions: { ...gate.escalation?.conditions, [conditionKey(signal)]: now },
      }
    : gate.escalation;
  await rememberSignal(deps, signal, decision, escalation);
  if (escalates && decision.kind === 'none') {
    if (gate.escalation) return { outcome: 'decided', decision };
    const tried = Array.isArray(decision.evidence.recentlyTried) ? decision.evidence.recentlyTried : [];
    const message = escalationMessage(signal, live.spec, tried, quietSeconds);
    await deps.store.appendEvents([auditEvent(deps, signal.service, 'RemediationEscalated', message, decisionData(signal, decision))]);
    return { outcome: 'decided', decision };
  }
  const observedAt = context?.observedAt;
  if (decision.kind !== 'none') return carryOut(deps, signal, decision, false, observedAt);
  // A redelivery of a signal whose action did not complete: the ledger has it, the action is still owed.
  const owed = decision.noneReason === 'duplicate' ? memory.pendingActions?.[signal.id] : undefined;
  if (owed) return carryOut(deps, signal, owed.decision, true);

  if (repeated) return { outcome: 'decided', decision };
  const type = decision.noneReason === 'unknownService' ? 'HealthAlarmDropped' : 'RemediationSkipped';
  await deps.store.appendEvents([auditEvent(deps, signal.service, type, decision.reason, decisionData(signal, decision, observedAt))]);
  return { outcome: 'decided', decision };
}

/**
 * Runs an action the ledger has charged (recorded as pending by rememberSignal) and records the
 * outcome. A retryable failure is recorded and rethrown, so the queue redelivers the signal and the
 * pending action runs again; a terminal one is recorded and the action is dropped.
 */
async function carryOut(deps: RemediationDeps, signal: HealthSignal, decision: ActDecision, redelivered: boolean, observedAt?: string): Promise<HealthOutcome> {
  const data = { ...decisionData(signal, decision, observedAt), ...(redelivered ? { redelivered } : {}) };
  let result: string;
  try {
    result = await executeRemediation(deps, decision);
  } catch (err) {
    const retrying = isRetryable(err);
    await deps.store.appendEvents([
      auditEvent(deps, signal.service, 'RemediationFailed', `${decision.reason} → failed${retrying ? ' (will retry)' : ''}: ${errorMessage(err)}`, {
        ...data,
        error: errorMessage(err),
        retrying,
      }),
    ]);
    if (retrying) throw err;
    await settlePending(deps, signal);
    return { outcome: 'decided', decision, result: `the action failed: ${errorMessage(err)}` };
  }
  // Recorded before it is settled: if settling fails, the redelivery repeats an idempotent action, and the trail misses nothing.
  await deps.store.appendEvents([auditEvent(deps, signal.service, 'RemediationApplied', `${decision.reason} → ${result}`, data)]);
  await settlePending(deps, signal);
  return { outcome: 'decided', decision, result };
}

/**
 * What the audit trail keeps about a decision: the signal, the decision and its evidence, and when the
 * pods it was decided on were observed (the probe's last observation; see build-health-context.ts).
 */
function decisionData(signal: HealthSignal, decision: Decision, observedAt?: string): Record<string, unknown> {
  return {
    ...(observedAt ? { podsObservedAt: observedAt } : {}),
    signal: {
      id: signal.id,
      kind: signal.kind,
      state: signal.state,
      source: signal.source,
      track: signal.track,
      node: signal.node,
      zone: signal.zone,
      reason: signal.reason,
    },
    decision: decision.kind,
    ...(decision.kind === 'none'
      ? { noneReason: decision.noneReason, wouldDo: decision.wouldDo, retryAfter: decision.retryAfter }
      : { action: decision.action }),
    evidence: decision.evidence,
  };
}

/**
 * Keeps the signal in the service's recent history; for a one-shot source whose decision was
 * deferred, in `deferred` so the probe re-sends it at `retryAfter` (the probe's own signals repeat
 * anyway); and for an action, in `pendingActions` until it has been carried out.
 */
async function rememberSignal(deps: RemediationDeps, signal: HealthSignal, decision: Decision, escalation: Escalation | undefined): Promise<void> {
  const defer = signal.source !== 'probe' && decision.kind === 'none' && DEFERRABLE_NONE_REASONS.has(decision.noneReason) && decision.retryAfter !== undefined;
  const duplicate = decision.kind === 'none' && decision.noneReason === 'duplicate';
  const nowMs = deps.clock.now().getTime();
  const fresh = (observedAt: string) => nowMs - Date.parse(observedAt) <= MAX_DEFERRED_AGE_MS;
  await updateHealthMemory(deps, signal.service, (memory) => {
    // A duplicate changes nothing, unless it was waiting to be re-sent.
    if (duplicate && !memory.deferred?.[signal.id]) return undefined;
    const deferred = Object.fromEntries(Object.entries(memory.deferred ?? {}).filter(([id, d]) => id !== signal.id && fresh(d.signal.observedAt)));
    if (defer) deferred[signal.id] = { signal, retryAfter: decision.retryAfter! };
    // A pending action is only reached through a duplicate, and after a day the ledger no longer knows the signal.
    const pendingActions = Object.fromEntries(Object.entries(memory.pendingActions ?? {}).filter(([, p]) => fresh(p.at)));
    if (decision.kind !== 'none') pendingActions[signal.id] = { decision, at: deps.clock.now().toISOString() };
    const recentSignals = duplicate ? memory.recentSignals : [...memory.recentSignals.filter((s) => s.id !== signal.id), signal].slice(-RECENT_SIGNALS);
    const skipped = { ...memory.skipped };
    if (decision.kind === 'none' && !duplicate) skipped[conditionKey(signal)] = decision.noneReason;
    else if (decision.kind !== 'none') delete skipped[conditionKey(signal)];
    const { escalation: _previous, ...rest } = memory;
    return { ...rest, recentSignals, deferred, pendingActions, skipped, ...(escalation ? { escalation } : {}) };
  });
}

/** The signal's pending action has run (or failed for good): it is no longer owed. */
async function settlePending(deps: RemediationDeps, signal: HealthSignal): Promise<void> {
  await updateHealthMemory(deps, signal.service, (memory) => {
    if (!memory.pendingActions?.[signal.id]) return undefined;
    const { [signal.id]: _settled, ...pendingActions } = memory.pendingActions;
    return { ...memory, pendingActions };
  });
}

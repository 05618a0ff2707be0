import { diagnose } from './diagnosis.js';
import type { HealthSignal } from './health-signal.js';
import { actionsFor, rateLimitStatus, wasSeen, type RemediationLedger } from './remediation-ledger.js';
import type { RemediationPolicy } from './remediation-policy.js';
import type { Decision, Evidence, NoneReason, RemediationAction, ServiceHealthContext } from './remediation-types.js';
import { assessSignalHistory } from './signal-history.js';
import { nextTokenAt } from './token-bucket.js';

/** How long a confirmed alarm on a service whose pods are not known waits before it is decided again. */
export const NOT_OBSERVED_RETRY_SECONDS = 10;

/** Everything the decision reads besides the signal and the policy. */
export interface RemediationContext {
  /** Undefined when the signal names a service meshplane does not manage. */
  service: ServiceHealthContext | undefined;
  /** Processed signals, past actions and rate-limit buckets (persisted by the caller). */
  ledger: RemediationLedger;
  /** The anomaly detector on this service's series also flags the condition now. */
  detectorAgrees?: boolean;
}

/**
 * Decides what to do about one health signal, the way a careful on-call engineer would. Pure: reads
 * its arguments only; the caller persists `recordDecision(ledger, decision, policy, now)` and carries
 * out the action. Gates, in order (the first that stops yields `none`):
 *
 * 1. `duplicate`: the signal id was already decided.
 * 2. `unknownService`: meshplane does not manage the service.
 * 3. `recovered`: the signal is OK, or a later OK for the same condition arrived.
 * 4. `flapping`: the condition changed state too often recently; a person should look.
 * 5. `awaitingConfirmation`: the alarm has neither repeated, nor persisted, nor been confirmed by the anomaly detector.
 * 6. Diagnosis: a canary alarm aborts the running rollout (`staleSignal` if none runs); otherwise, once
 *    the pods are known (`notObserved` until the probe has observed them lately), the supported actions
 *    are tried least disruptive first, skipping kinds already tried for this service
 *    within the escalation window (`noSafeAction` when nothing fits, `exhausted` when all were tried).
 * 7. `cooldown`: another action on the service is too recent (aborting a canary is exempt).
 * 8. `rateLimited`: the service's or the global token bucket is empty.
 * 9. `dryRun`: the policy only reports, with `wouldDo`.
 */
export function decideRemediation(signal: HealthSignal, context: RemediationContext, policy: RemediationPolicy, now: string): Decision {
  const common = { signalId: signal.id, service: signal.service, decidedAt: now };
  const signalEvidence: Evidence = {
    signalKind: signal.kind,
    signalState: signal.state,
    signalSource: signal.source,
    observedAt: signal.observedAt,
    ...(signal.track ? { track: signal.track } : {}),
    ...(signal.value !== undefined ? { value: signal.value } : {}),
    ...(signal.threshold !== undefined ? { threshold: signal.threshold } : {}),
    ...(signal.node ? { node: signal.node } : {}),
    ...(signal.zone ? { zone: signal.zone } : {}),
  };
  const none = (
    noneReason: NoneReason,
    reason: string,
    evidence: Evidence = {},
    extra: { wouldDo?: RemediationAction; retryAfter?: string } = {},
  ): Decision => ({
    ...common,
    kind: 'none',
    noneReason,
    reason,
    evidence: { ...signalEvidence, ...evidence },
    ...extra,
  });

  const { ledger, service } = context;
  if (wasSeen(ledger, signal.id)) return none('duplicate', `signal ${signal.id} was already decided`);
  if (service === undefined || service.name !== signal.service) {
    return none('unknownService', `service "${signal.service}" is not managed by meshplane`);
  }
  if (signal.state === 'OK') return none('recovered', `${signal.kind} is OK`);

  const history = assessSignalHistory(signal, service.recentSignals, now, policy.flapping.windowSeconds);
  const historyEvidence: Evidence = {
    consecutiveAlarms: history.consecutiveAlarms,
    transitionsInWindow: history.transitions,
    ...(history.alarmingSince ? { alarmingSince: history.alarmingSince } : {}),
    detectorAgrees: context.detectorAgrees ?? false,
  };
  if (history.recoveredAt !== undefined) {
    return none('recovered', `${signal.kind} returned to OK at ${history.recoveredAt}, after this alarm`, {
      ...historyEvidence,
      recoveredAt: history.recoveredAt,
    });
  }
  if (history.transitions >= policy.flapping.maxTransitions) {
    return none(
      'flapping',
      `${signal.kind} changed state ${history.transitions} times in ${policy.flapping.windowSeconds} s; not acting on a flapping signal`,
      historyEvidence,
    );
  }
  const alarmingSeconds = history.alarmingSince === undefined ? 0 : (Date.parse(now) - Date.parse(history.alarmingSince)) / 1_000;
  const confirmed =
    history.consecutiveAlarms >= policy.hysteresis.minConsecutiveAlarms ||
    alarmingSeconds >= policy.hysteresis.persistSeconds ||
    context.detectorAgrees === true;
  if (!confirmed) {
    const since = Date.parse(history.alarmingSince ?? signal.observedAt);
    return none(
      'awaitingConfirmation',
      `${signal.kind} alarm not yet confirmed: ${history.consecutiveAlarms} of ${policy.hysteresis.minConsecutiveAlarms} alarms, ${Math.round(alarmingSeconds)} of ${policy.hysteresis.persistSeconds} s, and the anomaly detector does not agree`,
      { ...historyEvidence, alarmingSeconds: Math.round(alarmingSeconds) },
      { retryAfter: new Date(Math.max(since + policy.hysteresis.persistSeconds * 1_000, Date.parse(now) + 1_000)).toISOString() },
    );
  }

  // Diagnosis.
  let chosen: { action: RemediationAction; why: string; evidence: Evidence };
  if (signal.track === 'canary') {
    if (service.activeRollout === undefined) return none('staleSignal', 'the alarm is about a canary, but no rollout is running', historyEvidence);
    chosen = {
      action: { kind: 'abortRollout', rolloutId: service.activeRollout.id },
      why: `the canary of rollout ${service.activeRollout.id} (revision ${service.activeRollout.canaryRevision}) is alarming; aborting returns all traffic to the stable revision`,
      evidence: { rolloutId: service.activeRollout.id, canaryRevision: service.activeRollout.canaryRevision },
    };
  } else {
    // Diagnosing the stable track needs the pods; without them a confirmed alarm waits for the probe to observe them.
    if (service.podsUnknown !== undefined) {
      return none('notObserved', `${signal.kind} alarm confirmed, but ${service.podsUnknown}; deciding again once the pods are observed`, historyEvidence, {
        retryAfter: new Date(Date.parse(now) + NOT_OBSERVED_RETRY_SECONDS * 1_000).toISOString(),
      });
    }
    const diagnosis = diagnose(signal, service, policy, now);
    const recentKinds = new Set(
      actionsFor(ledger, service.name)
        .filter((a) => Date.parse(now) - Date.parse(a.at) <= policy.escalationWindowSeconds * 1_000)
        .map((a) => a.kind),
    );
    const untried = diagnosis.candidates.filter((c) => !recentKinds.has(c.action.kind));
    const diagnosisEvidence: Evidence = {
      ...historyEvidence,
      candidates: diagnosis.candidates.map((c) => c.action.kind),
      ...(diagnosis.ruledOut.length > 0 ? { ruledOut: diagnosis.ruledOut } : {}),
    };
    if (diagnosis.candidates.length === 0) {
      return none('noSafeAction', `no remediation fits a confirmed ${signal.kind} alarm on the stable track; a person should look`, diagnosisEvidence);
    }
    if (untried.length === 0) {
      return none(
        'exhausted',
        `already tried ${[...recentKinds].join(', ')} within ${policy.escalationWindowSeconds} s and the ${signal.kind} alarm persists; a person should look`,
        { ...diagnosisEvidence, recentlyTried: [...recentKinds] },
      );
    }
    const [first] = untried;
    chosen = { action: first.action, why: first.why, evidence: { ...diagnosisEvidence, ...first.evidence } };
  }

  const evidence: Evidence = { ...historyEvidence, ...chosen.evidence };
  const kind = chosen.action.kind;

  if (kind !== 'abortRollout') {
    const [last] = actionsFor(ledger, service.name);
    if (last !== undefined) {
      const until = Date.parse(last.at) + policy.cooldownSeconds[last.kind] * 1_000;
      if (until > Date.parse(now)) {
        return none(
          'cooldown',
          `would ${kind}, but ${last.kind} was done at ${last.at}; cooling down until ${new Date(until).toISOString()}`,
          { ...evidence, lastAction: last.kind, lastActionAt: last.at },
          { retryAfter: new Date(until).toISOString() },
        );
      }
    }
  }

  const limits = rateLimitStatus(ledger, service.name, policy, now);
  if (!limits.serviceAllowed || !limits.globalAllowed) {
    const scope = !limits.serviceAllowed ? 'service' : 'global';
    const retryAfter = !limits.serviceAllowed
      ? nextTokenAt(ledger.serviceBuckets[service.name], policy.serviceRateLimit, now)
      : nextTokenAt(ledger.globalBucket, policy.globalRateLimit, now);
    return none(
      'rateLimited',
      `would ${kind}, but the ${scope} remediation rate limit is exhausted`,
      { ...evidence, rateLimitScope: scope, serviceTokens: round(limits.serviceTokens), globalTokens: round(limits.globalTokens) },
      { retryAfter },
    );
  }

  const reason = `${kind}: ${chosen.why}`;
  if (policy.dryRun) return none('dryRun', `dry run; would ${reason}`, evidence, { wouldDo: chosen.action });
  return { ...common, kind, action: chosen.action, reason, evidence: { ...signalEvidence, ...evidence } };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

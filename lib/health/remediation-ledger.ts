import type { ActionKind, RemediationPolicy } from './remediation-policy.js';
import { DEFERRABLE_NONE_REASONS, type Decision } from './remediation-types.js';
import { hasToken, refillBucket, takeToken, type TokenBucket } from './token-bucket.js';

/**
 * The remediation policy's memory, as plain JSON data: which signals were already handled, which
 * actions were taken when (cooldowns, escalation), and the rate-limit buckets. The caller loads it,
 * passes it to `decideRemediation`, applies {@link recordDecision} and stores the result with a
 * conditional write, so two concurrent deciders cannot both spend the last token.
 */
export interface RemediationLedger {
  version: 1;
  /** Signal ids already decided, with when. */
  seenSignals: { id: string; at: string }[];
  actions: LedgerAction[];
  serviceBuckets: Record<string, TokenBucket>;
  globalBucket?: TokenBucket;
}

export interface LedgerAction {
  service: string;
  kind: ActionKind;
  at: string;
  signalId: string;
  /** Recorded from a dry run: counts for limits, nothing was changed. */
  dryRun: boolean;
}

export function emptyLedger(): RemediationLedger {
  return { version: 1, seenSignals: [], actions: [], serviceBuckets: {} };
}

export function wasSeen(ledger: RemediationLedger, signalId: string): boolean {
  return ledger.seenSignals.some((s) => s.id === signalId);
}

/** Actions on `service`, newest first. */
export function actionsFor(ledger: RemediationLedger, service: string): LedgerAction[] {
  return ledger.actions.filter((a) => a.service === service).sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
}

/** Whether the per-service and global buckets each hold a token at `now`. */
export function rateLimitStatus(ledger: RemediationLedger, service: string, policy: RemediationPolicy, now: string) {
  const serviceBucket = refillBucket(ledger.serviceBuckets[service], policy.serviceRateLimit, now);
  const globalBucket = refillBucket(ledger.globalBucket, policy.globalRateLimit, now);
  return {
    serviceAllowed: hasToken(serviceBucket, policy.serviceRateLimit, now),
    globalAllowed: hasToken(globalBucket, policy.globalRateLimit, now),
    serviceTokens: serviceBucket.tokens,
    globalTokens: globalBucket.tokens,
  };
}

/**
 * The ledger after `decision`: the signal is remembered (unless the decision is deferrable, so a
 * re-delivery is decided again), an action (or a dry run's would-be action) is recorded and takes a
 * token from the service's and the global bucket, and entries older than the policy needs are pruned.
 * Pure: returns a new ledger.
 */
export function recordDecision(ledger: RemediationLedger, decision: Decision, policy: RemediationPolicy, now: string): RemediationLedger {
  let next: RemediationLedger = { ...ledger, seenSignals: [...ledger.seenSignals], actions: [...ledger.actions], serviceBuckets: { ...ledger.serviceBuckets } };
  const final = decision.kind !== 'none' || (decision.noneReason !== 'duplicate' && !DEFERRABLE_NONE_REASONS.has(decision.noneReason));
  if (final && !wasSeen(ledger, decision.signalId)) next.seenSignals.push({ id: decision.signalId, at: now });

  const action = decision.kind === 'none' ? decision.wouldDo : decision.action;
  if (action !== undefined) {
    next.actions.push({ service: decision.service, kind: action.kind, at: now, signalId: decision.signalId, dryRun: decision.kind === 'none' });
    next.serviceBuckets[decision.service] = takeToken(ledger.serviceBuckets[decision.service], policy.serviceRateLimit, now);
    next.globalBucket = takeToken(ledger.globalBucket, policy.globalRateLimit, now);
  }
  next = pruneLedger(next, policy, now);
  return next;
}

/** Drops what no rule can consult any more: old signal ids, old actions, and buckets that are full again. */
export function pruneLedger(ledger: RemediationLedger, policy: RemediationPolicy, now: string): RemediationLedger {
  const nowMs = Date.parse(now);
  const actionHorizonSeconds = Math.max(policy.escalationWindowSeconds, ...Object.values(policy.cooldownSeconds));
  const serviceBuckets: Record<string, TokenBucket> = {};
  for (const [service, bucket] of Object.entries(ledger.serviceBuckets)) {
    if (refillBucket(bucket, policy.serviceRateLimit, now).tokens < policy.serviceRateLimit.capacity) serviceBuckets[service] = bucket;
  }
  return {
    ...ledger,
    seenSignals: ledger.seenSignals.filter((s) => nowMs - Date.parse(s.at) <= policy.dedupWindowSeconds * 1_000),
    actions: ledger.actions.filter((a) => nowMs - Date.parse(a.at) <= actionHorizonSeconds * 1_000),
    serviceBuckets,
  };
}

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

/**
 * The ledger is one DynamoDB item (400 KB at most) that every decision rewrites, and probe signal ids
 * are unique per run: a persistently unhealthy fleet adds one id per finding per minute. So only the
 * newest seen ids are kept, capped by count and by serialized size. A typical probe id (~60 characters,
 * ~100 bytes with its time) lets ~1,000 fit; ids at their 512-character maximum are cut to ~180 by the
 * size cap. With the actions and buckets (tens of entries, bounded by the rate limits) the item stays
 * around 100–110 KB, far from the limit.
 *
 * The price: in a storm the dedup memory covers minutes, not the whole `dedupWindowSeconds` (1,000 ids
 * at 100 findings a minute is 10 minutes). That still covers what re-sends a signal id soon (SQS
 * redelivery, a retried API call, a replayed EventBridge event); a signal that acted stays a duplicate
 * as long as its action is kept (see {@link wasSeen}); and an older repeat that slips through meets the
 * cooldown and escalation memory of the actions, so it cannot make an action happen twice in a row.
 */
export const MAX_SEEN_SIGNALS = 1_000;
/** Upper bound on the JSON size of the kept seen ids, in bytes (see {@link MAX_SEEN_SIGNALS}). */
export const MAX_SEEN_SIGNAL_BYTES = 100_000;

export function emptyLedger(): RemediationLedger {
  return { version: 1, seenSignals: [], actions: [], serviceBuckets: {} };
}

/**
 * Whether the signal was already decided: its id is among the seen ones, or it caused a recorded action
 * (which keeps a signal that acted a duplicate even after the seen ids were capped).
 */
export function wasSeen(ledger: RemediationLedger, signalId: string): boolean {
  return ledger.seenSignals.some((s) => s.id === signalId) || ledger.actions.some((a) => a.signalId === signalId);
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

/**
 * Drops what no rule can consult any more: old signal ids, old actions, and buckets that are full
 * again; and keeps only the newest seen ids within {@link MAX_SEEN_SIGNALS} and {@link MAX_SEEN_SIGNAL_BYTES}.
 */
export function pruneLedger(ledger: RemediationLedger, policy: RemediationPolicy, now: string): RemediationLedger {
  const nowMs = Date.parse(now);
  const actionHorizonSeconds = Math.max(policy.escalationWindowSeconds, ...Object.values(policy.cooldownSeconds));
  const serviceBuckets: Record<string, TokenBucket> = {};
  for (const [service, bucket] of Object.entries(ledger.serviceBuckets)) {
    if (refillBucket(bucket, policy.serviceRateLimit, now).tokens < policy.serviceRateLimit.capacity) serviceBuckets[service] = bucket;
  }
  return {
    ...ledger,
    seenSignals: newestSeen(ledger.seenSignals.filter((s) => nowMs - Date.parse(s.at) <= policy.dedupWindowSeconds * 1_000)),
    actions: ledger.actions.filter((a) => nowMs - Date.parse(a.at) <= actionHorizonSeconds * 1_000),
    serviceBuckets,
  };
}

/** `{"id":"","at":""},`: what an entry adds besides its strings, in JSON (DynamoDB counts less). */
const SEEN_ENTRY_OVERHEAD_BYTES = 18;

/** The tail of `seen` (ids are appended as they are decided, so the tail is the newest) that fits both caps. */
function newestSeen(seen: RemediationLedger['seenSignals']): RemediationLedger['seenSignals'] {
  let bytes = 0;
  let start = seen.length;
  while (start > 0 && seen.length - start < MAX_SEEN_SIGNALS) {
    const entry = seen[start - 1];
    bytes += Buffer.byteLength(entry.id) + Buffer.byteLength(entry.at) + SEEN_ENTRY_OVERHEAD_BYTES;
    if (bytes > MAX_SEEN_SIGNAL_BYTES) break;
    start--;
  }
  return start === 0 ? seen : seen.slice(start);
}

/**
 * Signal ids a service's decisions saw that took no action: kept apart from the global ledger, one
 * document per service, so the common decisions (duplicates, a first ALARM waiting for its
 * confirmation, skips) of different services never write the same item. Only decisions that act (or
 * would, in a dry run) write the global ledger: it holds the actions, the buckets and those signals' ids,
 * all bounded by the rate limits, so it stays small.
 */
export interface SeenShard {
  seenSignals: { id: string; at: string }[];
}

/** What the policy decides on: the global ledger with the service's seen ids. */
export function ledgerView(global: RemediationLedger, shard: SeenShard | undefined): RemediationLedger {
  return shard?.seenSignals.length ? { ...global, seenSignals: [...global.seenSignals, ...shard.seenSignals] } : global;
}

/**
 * The one document a decision changes, or nothing: an action (or a dry run's would-be action) takes
 * tokens and is recorded in the global ledger; a final decision without one adds its signal id to the
 * service's shard; a duplicate or a deferrable decision (decided again on redelivery) changes nothing.
 * Pure.
 */
export function ledgerWrite(
  global: RemediationLedger,
  shard: SeenShard | undefined,
  decision: Decision,
  policy: RemediationPolicy,
  now: string,
): { global: RemediationLedger } | { shard: SeenShard } | undefined {
  const action = decision.kind === 'none' ? decision.wouldDo : decision.action;
  if (action !== undefined) return { global: recordDecision(global, decision, policy, now) };
  const final = decision.kind !== 'none' || (decision.noneReason !== 'duplicate' && !DEFERRABLE_NONE_REASONS.has(decision.noneReason));
  if (!final || wasSeen(ledgerView(global, shard), decision.signalId)) return undefined;
  return { shard: addToShard(shard, [{ id: decision.signalId, at: now }], policy, now) };
}

/**
 * The shard with `seen` added (ids it holds already keep their first time), less the ids past the dedup
 * window, within the caps of {@link newestSeen}. Adding is commutative, so a writer that lost a race
 * adds its ids to the fresher shard. Pure.
 */
export function addToShard(shard: SeenShard | undefined, seen: SeenShard['seenSignals'], policy: RemediationPolicy, now: string): SeenShard {
  const nowMs = Date.parse(now);
  const kept = (shard?.seenSignals ?? []).filter((s) => nowMs - Date.parse(s.at) <= policy.dedupWindowSeconds * 1_000);
  const known = new Set(kept.map((s) => s.id));
  return { seenSignals: newestSeen([...kept, ...seen.filter((s) => !known.has(s.id))]) };
}

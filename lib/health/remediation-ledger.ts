import type { ActionKind, RemediationPolicy } from './remediation-policy.js';
import { DEFERRABLE_NONE_REASONS, type ActDecision, type Decision } from './remediation-types.js';
import { hasToken, refillBucket, takeToken, type TokenBucket } from './token-bucket.js';

/**
 * The remediation policy's memory, as plain JSON data: which signals were already handled, which
 * actions were taken when (cooldowns, escalation), and the rate-limit buckets. The caller loads it,
 * passes it to `decideRemediation`, applies {@link recordDecision} and stores the result with a
 * conditional write, so two concurrent deciders cannot both spend the last token.
 *
 * Stored, it is split (see {@link SeenShard}): the global document holds the global bucket only, each
 * service's shard its seen ids, actions and bucket; {@link ledgerView} joins them for one service.
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
 * A ledger document is one DynamoDB item (400 KB at most) that its decisions rewrite, and probe signal ids
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
 * The service's part of the ledger, one document per service: the signal ids its decisions saw, its
 * actions, its rate-limit bucket and the actions charged but not yet carried out. Only the global rate
 * limit stays in the one global document ({@link RemediationLedger}, `globalBucket`), so a batch that
 * acts rewrites a few small items (that one and the shards of the services it acts on), never a document
 * that grows with the fleet, and batches of different services meet only on the global bucket.
 *
 * Older ledgers kept every service's actions, buckets and acting signal ids in the global document: they
 * are still read (see {@link ledgerView}) until pruning empties them.
 */
export interface SeenShard {
  seenSignals: { id: string; at: string }[];
  /** The service's actions (and dry runs' would-be actions) within the action horizon. Absent in shards written before. */
  actions?: LedgerAction[];
  /** The service's rate-limit bucket; absent when full. */
  bucket?: TokenBucket;
  /**
   * Actions charged but not carried out yet, by signal id: committed with the charge (one transaction), so
   * a crash before the action ran leaves it owed; removed once it ran or failed for good. A redelivery of
   * the signal (a `duplicate`) carries it out again.
   */
  pendingActions?: Record<string, PendingAction>;
}

/** An action waiting to be carried out (see SeenShard.pendingActions). */
export interface PendingAction {
  decision: ActDecision;
  /** When it was charged. */
  at: string;
}

/**
 * What the policy decides on for `service`: the global ledger (the global bucket, and what older
 * ledgers kept there) with the service's shard: its seen ids, actions and bucket.
 */
export function ledgerView(global: RemediationLedger, shard: SeenShard | undefined, service?: string): RemediationLedger {
  if (!shard) return global;
  return {
    ...global,
    seenSignals: shard.seenSignals.length ? [...global.seenSignals, ...shard.seenSignals] : global.seenSignals,
    actions: shard.actions?.length ? [...global.actions, ...shard.actions] : global.actions,
    serviceBuckets: service && shard.bucket ? { ...global.serviceBuckets, [service]: shard.bucket } : global.serviceBuckets,
  };
}

/**
 * The documents a decision changes, or nothing. An action (or a dry run's would-be action) takes a token
 * from the global bucket (the global document) and from the service's, and is recorded with its signal id
 * in the service's shard (pending until carried out, unless a dry run); a final decision without one adds
 * its signal id to the shard; a duplicate or a deferrable decision (decided again on redelivery) changes
 * nothing. Pure.
 */
export function ledgerWrite(
  global: RemediationLedger,
  shard: SeenShard | undefined,
  decision: Decision,
  policy: RemediationPolicy,
  now: string,
): { global?: RemediationLedger; shard: SeenShard } | undefined {
  const action = decision.kind === 'none' ? decision.wouldDo : decision.action;
  const view = ledgerView(global, shard, decision.service);
  if (action !== undefined) {
    const entry: LedgerAction = { service: decision.service, kind: action.kind, at: now, signalId: decision.signalId, dryRun: decision.kind === 'none' };
    const bucket = takeToken(view.serviceBuckets[decision.service], policy.serviceRateLimit, now);
    const charged = pruneLedger({ ...global, globalBucket: takeToken(global.globalBucket, policy.globalRateLimit, now) }, policy, now);
    const pending = decision.kind === 'none' ? {} : { pendingActions: { ...shard?.pendingActions, [decision.signalId]: { decision, at: now } } };
    const next = pruneShard({ ...shard, seenSignals: shard?.seenSignals ?? [], actions: [...(shard?.actions ?? []), entry], bucket, ...pending }, policy, now);
    return { global: charged, shard: next };
  }
  // Without an action the decision is `none`: final unless a duplicate, or deferred to be decided again.
  const final = decision.kind === 'none' && decision.noneReason !== 'duplicate' && !DEFERRABLE_NONE_REASONS.has(decision.noneReason);
  if (!final || wasSeen(view, decision.signalId)) return undefined;
  return { shard: addToShard(shard, [{ id: decision.signalId, at: now }], policy, now) };
}

/** The shard without the pending actions of `signalIds` (they ran, or failed for good). Pure. */
export function settlePending(shard: SeenShard, signalIds: ReadonlySet<string>): SeenShard {
  const pending = Object.entries(shard.pendingActions ?? {});
  return { ...shard, pendingActions: Object.fromEntries(pending.filter(([id]) => !signalIds.has(id))) };
}

/**
 * The shard with `seen` added (ids it holds already keep their first time), pruned (see pruneShard).
 * Adding is commutative, so a writer that lost a race adds its ids to the fresher shard. Pure.
 */
export function addToShard(shard: SeenShard | undefined, seen: SeenShard['seenSignals'], policy: RemediationPolicy, now: string): SeenShard {
  const kept = shard?.seenSignals ?? [];
  const known = new Set(kept.map((s) => s.id));
  return pruneShard({ ...shard, seenSignals: [...kept, ...seen.filter((s) => !known.has(s.id))] }, policy, now);
}

/** Pending actions older than this are dropped: after a day the seen ids no longer make a redelivery a duplicate. */
const MAX_PENDING_AGE_MS = 24 * 3_600_000;

/**
 * Drops what no rule consults any more: ids past the dedup window (the newest within the caps of
 * {@link newestSeen}), actions past the horizon of cooldowns and escalation, a bucket that is full again,
 * pending actions older than a day.
 */
function pruneShard(shard: SeenShard, policy: RemediationPolicy, now: string): SeenShard {
  const nowMs = Date.parse(now);
  const actionHorizonSeconds = Math.max(policy.escalationWindowSeconds, ...Object.values(policy.cooldownSeconds));
  const { bucket, actions, pendingActions, ...rest } = shard;
  const keptActions = (actions ?? []).filter((a) => nowMs - Date.parse(a.at) <= actionHorizonSeconds * 1_000);
  const keptPending = Object.entries(pendingActions ?? {}).filter(([, p]) => nowMs - Date.parse(p.at) <= MAX_PENDING_AGE_MS);
  return {
    ...rest,
    seenSignals: newestSeen(shard.seenSignals.filter((s) => nowMs - Date.parse(s.at) <= policy.dedupWindowSeconds * 1_000)),
    ...(keptActions.length ? { actions: keptActions } : {}),
    ...(bucket && refillBucket(bucket, policy.serviceRateLimit, now).tokens < policy.serviceRateLimit.capacity ? { bucket } : {}),
    ...(keptPending.length ? { pendingActions: Object.fromEntries(keptPending) } : {}),
  };
}

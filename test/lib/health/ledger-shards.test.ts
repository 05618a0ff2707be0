/**
 * The sharded ledger (ledgerWrite / ledgerView / settlePending): the global document holds only the
 * global bucket; each service's shard holds its seen ids, actions, bucket and pending actions. A decision
 * that acts writes the small global item and its shard; one without an action at most its shard.
 */
import { describe, expect, it } from 'vitest';
import {
  actionsFor,
  emptyLedger,
  ledgerView,
  ledgerWrite,
  rateLimitStatus,
  recordDecision,
  settlePending,
  wasSeen,
  type SeenShard,
} from '../../../lib/health/remediation-ledger.js';
import type { Decision } from '../../../lib/health/remediation-types.js';
import { refillBucket } from '../../../lib/health/token-bucket.js';
import { NOW, ago, policy } from './remediation-builders.js';

const p = policy();
const none = (signalId: string, noneReason: string, extra: Partial<Decision> = {}): Decision =>
  ({ signalId, service: 'checkout', decidedAt: NOW, kind: 'none', noneReason, reason: noneReason, evidence: {}, ...extra }) as Decision;
const restart = (signalId: string, service = 'checkout'): Decision => ({
  signalId,
  service,
  decidedAt: NOW,
  kind: 'restart',
  action: { kind: 'restart', pods: ['p1'] },
  reason: 'restart: pods crashing',
  evidence: {},
});

describe('ledgerWrite', () => {
  it.each([
    ['an action', 'global+shard', restart('s1'), ['s1']],
    [
      'a dry run (counts for the limits, nothing to carry out)',
      'global+shard',
      none('s1', 'dryRun', { wouldDo: { kind: 'restart', pods: ['p1'] } } as never),
      [],
    ],
    ['a final decision without action', 'shard', none('s1', 'exhausted'), []],
    ['a first ALARM awaiting confirmation (decided again on redelivery)', 'nothing', none('s1', 'awaitingConfirmation'), []],
    ['a cooldown', 'nothing', none('s1', 'cooldown'), []],
    ['a rate limit', 'nothing', none('s1', 'rateLimited'), []],
    ['a duplicate', 'nothing', none('s1', 'duplicate'), []],
  ])('%s writes %s', (_what, expected, decision, pending) => {
    const write = ledgerWrite(emptyLedger(), undefined, decision, p, NOW);
    expect(write === undefined ? 'nothing' : write.global ? 'global+shard' : 'shard').toBe(expected);
    expect(Object.keys(write?.shard.pendingActions ?? {})).toEqual(pending);
  });

  it('an action takes a token from the global bucket and from the service bucket in its shard, and makes the signal a duplicate', () => {
    const write = ledgerWrite(emptyLedger(), undefined, restart('s1'), p, NOW)!;
    const recorded = recordDecision(emptyLedger(), restart('s1'), p, NOW);
    // The global item: only the global bucket changes, however many services act.
    expect(write.global).toEqual({ ...emptyLedger(), globalBucket: recorded.globalBucket });
    expect(write.shard).toMatchObject({ seenSignals: [], actions: recorded.actions, bucket: recorded.serviceBuckets.checkout });
    expect(write.shard.pendingActions?.s1).toEqual({ decision: restart('s1'), at: NOW });
    // The view of the service sees what one ledger holding everything would.
    const view = ledgerView(write.global!, write.shard, 'checkout');
    expect(wasSeen(view, 's1')).toBe(true);
    expect(actionsFor(view, 'checkout')).toEqual(actionsFor(recorded, 'checkout'));
    expect(rateLimitStatus(view, 'checkout', p, NOW)).toEqual(rateLimitStatus(recorded, 'checkout', p, NOW));
  });

  it('a shard remembers final decisions, drops those past the dedup window, and is read with the global ledger', () => {
    const old: SeenShard = {
      seenSignals: [
        { id: 'ancient', at: ago(p.dedupWindowSeconds + 60) },
        { id: 'recent', at: ago(60) },
      ],
    };
    const write = ledgerWrite(emptyLedger(), old, none('s2', 'exhausted'), p, NOW)!;
    expect(write.shard.seenSignals.map((s) => s.id)).toEqual(['recent', 's2']);
    const acted = ledgerWrite(emptyLedger(), write.shard, restart('s1'), p, NOW)!;
    const view = ledgerView(acted.global!, acted.shard, 'checkout');
    expect(['s1', 's2', 'recent'].every((id) => wasSeen(view, id))).toBe(true);
    // Seen already: nothing to write.
    expect(ledgerWrite(emptyLedger(), write.shard, none('s2', 'exhausted'), p, NOW)).toBeUndefined();
  });

  it('a shard forgets actions past the horizon of cooldowns and escalation, and a bucket that is full again', () => {
    const horizon = Math.max(p.escalationWindowSeconds, ...Object.values(p.cooldownSeconds));
    const shard: SeenShard = {
      seenSignals: [],
      actions: [{ service: 'checkout', kind: 'restart', at: ago(horizon + 60), signalId: 'old', dryRun: false }],
      bucket: { tokens: 0, updatedAt: ago(100 * 3_600) },
    };
    const write = ledgerWrite(emptyLedger(), shard, none('s2', 'exhausted'), p, NOW)!;
    expect(write.shard).toEqual({ seenSignals: [{ id: 's2', at: NOW }] });
  });

  it('a ledger written before the split still counts: its actions, buckets and seen ids of the service are read with the shard', () => {
    const legacy = recordDecision(emptyLedger(), restart('s0'), p, ago(60));
    const view = ledgerView(legacy, { seenSignals: [] }, 'checkout');
    expect(wasSeen(view, 's0')).toBe(true);
    expect(actionsFor(view, 'checkout').map((a) => a.signalId)).toEqual(['s0']);
    // The next action takes its token from the legacy bucket and keeps it in the shard from then on.
    const write = ledgerWrite(legacy, undefined, restart('s1'), p, NOW)!;
    expect(write.shard.bucket!.tokens).toBeCloseTo(refillBucket(legacy.serviceBuckets.checkout, p.serviceRateLimit, NOW).tokens - 1, 6);
    expect(ledgerView(write.global!, write.shard, 'checkout').serviceBuckets.checkout).toEqual(write.shard.bucket);
    // Another service's view does not see this one's bucket.
    expect(ledgerView(write.global!, undefined, 'payments').serviceBuckets.payments).toBeUndefined();
  });
});

describe('settlePending', () => {
  it.each([
    ['the action that ran', ['s1'], ['s2']],
    ['both', ['s1', 's2'], []],
    ['an id not pending', ['s3'], ['s1', 's2']],
  ])('removes %s and keeps the rest', (_what, ids, left) => {
    const first = ledgerWrite(emptyLedger(), undefined, restart('s1'), p, NOW)!;
    const second = ledgerWrite(first.global!, first.shard, restart('s2'), policy({ cooldownSeconds: { ...p.cooldownSeconds, restart: 0 } }), NOW)!;
    const settled = settlePending(second.shard, new Set(ids));
    expect(Object.keys(settled.pendingActions ?? {}).sort()).toEqual(left);
    expect(settled.actions).toEqual(second.shard.actions);
  });
});

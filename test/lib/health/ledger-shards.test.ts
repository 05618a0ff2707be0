/**
 * The sharded ledger (ledgerWrite / ledgerView): a decision writes at most one document, and only a
 * decision that acts writes the global one, so deciders of different services rarely meet on one item.
 */
import { describe, expect, it } from 'vitest';
import { emptyLedger, ledgerView, ledgerWrite, recordDecision, wasSeen, type SeenShard } from '../../../lib/health/remediation-ledger.js';
import type { Decision } from '../../../lib/health/remediation-types.js';
import { NOW, ago, policy } from './remediation-builders.js';

const p = policy();
const none = (signalId: string, noneReason: string): Decision =>
  ({ signalId, service: 'checkout', decidedAt: NOW, kind: 'none', noneReason, reason: noneReason, evidence: {} }) as Decision;
const restart = (signalId: string): Decision => ({
  signalId,
  service: 'checkout',
  decidedAt: NOW,
  kind: 'restart',
  action: { kind: 'restart', pods: ['p1'] },
  reason: 'restart: pods crashing',
  evidence: {},
});

describe('ledgerWrite', () => {
  it.each([
    ['an action', restart('s1'), 'global'],
    ['a final decision without action', none('s1', 'exhausted'), 'shard'],
    ['a first ALARM awaiting confirmation (decided again on redelivery)', none('s1', 'awaitingConfirmation'), 'nothing'],
    ['a cooldown', none('s1', 'cooldown'), 'nothing'],
    ['a duplicate', none('s1', 'duplicate'), 'nothing'],
  ])('%s writes %s', (_what, decision, expected) => {
    const write = ledgerWrite(emptyLedger(), undefined, decision, p, NOW);
    expect(write === undefined ? 'nothing' : 'global' in write ? 'global' : 'shard').toBe(expected);
  });

  it('an action is recorded with its token and makes the signal a duplicate', () => {
    const write = ledgerWrite(emptyLedger(), undefined, restart('s1'), p, NOW) as { global: ReturnType<typeof emptyLedger> };
    expect(write.global).toEqual(recordDecision(emptyLedger(), restart('s1'), p, NOW));
    expect(wasSeen(write.global, 's1')).toBe(true);
  });

  it('a shard remembers final decisions, drops those past the dedup window, and is read with the global ledger', () => {
    const old: SeenShard = {
      seenSignals: [
        { id: 'ancient', at: ago(p.dedupWindowSeconds + 60) },
        { id: 'recent', at: ago(60) },
      ],
    };
    const write = ledgerWrite(emptyLedger(), old, none('s2', 'exhausted'), p, NOW) as { shard: SeenShard };
    expect(write.shard.seenSignals.map((s) => s.id)).toEqual(['recent', 's2']);
    const view = ledgerView(recordDecision(emptyLedger(), restart('s1'), p, NOW), write.shard);
    expect(['s1', 's2', 'recent'].every((id) => wasSeen(view, id))).toBe(true);
    // Seen already: nothing to write.
    expect(ledgerWrite(emptyLedger(), write.shard, none('s2', 'exhausted'), p, NOW)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { decideRemediation } from '../../../lib/health/decide-remediation.js';
import {
  emptyLedger,
  MAX_SEEN_SIGNAL_BYTES,
  MAX_SEEN_SIGNALS,
  recordDecision,
  wasSeen,
  type RemediationLedger,
} from '../../../lib/health/remediation-ledger.js';
import type { Decision } from '../../../lib/health/remediation-types.js';
import { NOW, ago, policy, service, signal } from './remediation-builders.js';

/** DynamoDB refuses an item over 400 KB; the ledger must stay far below it. */
const ITEM_BUDGET_BYTES = 150_000;
const p = policy();

const bytesOf = (ledger: RemediationLedger) => Buffer.byteLength(JSON.stringify(ledger));

/** A final decision about nothing to do (what a persistently alarming probe finding gets once the ladder is spent). */
function exhausted(signalId: string, decidedAt: string): Decision {
  return { signalId, service: 'checkout', decidedAt, kind: 'none', noneReason: 'exhausted', reason: 'already tried everything', evidence: {} };
}

/** A probe id as the probe builds it: unique per run. */
const probeId = (i: number, at: string) => `probe:checkout/crashLoop/stable:${at}#${i}`;

/**
 * `count` final decisions `spacingMs` apart, ending at NOW, recorded one after another the way the
 * handler does; `idOf` names the signal of decision `i`.
 */
function recordMany(count: number, spacingMs: number, idOf: (i: number, at: string) => string, start: RemediationLedger = emptyLedger()) {
  let ledger = start;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = new Date(Date.parse(NOW) - (count - 1 - i) * spacingMs).toISOString();
    const id = idOf(i, at);
    ids.push(id);
    ledger = recordDecision(ledger, exhausted(id, at), p, at);
  }
  return { ledger, ids };
}

describe('the remediation ledger stays one small DynamoDB item', () => {
  it('after 20,000 final decisions within the dedup window, it is under the item budget and the newest ids are still duplicates', () => {
    // One decision every 4 s: 22 hours, all inside the 24-hour dedup window.
    const { ledger, ids } = recordMany(20_000, 4_000, probeId);
    const stored: RemediationLedger = JSON.parse(JSON.stringify(ledger));

    expect(bytesOf(stored)).toBeLessThan(ITEM_BUDGET_BYTES);
    expect(stored.seenSignals.length).toBeLessThanOrEqual(MAX_SEEN_SIGNALS);
    // The newest ids are the ones kept, in order.
    expect(stored.seenSignals.map((s) => s.id)).toEqual(ids.slice(-stored.seenSignals.length));
    expect(stored.seenSignals.length).toBeGreaterThan(500);

    const justSeen = signal({ id: ids.at(-1)!, observedAt: ago(1) });
    expect(decideRemediation(justSeen, { service: service(), ledger: stored }, p, NOW)).toMatchObject({ kind: 'none', noneReason: 'duplicate' });
    // The oldest one was forgotten: decided again, it is not a duplicate any more.
    const oldest = signal({ id: ids[0], observedAt: ago(1) });
    expect(decideRemediation(oldest, { service: service(), ledger: stored }, p, NOW)).not.toMatchObject({ noneReason: 'duplicate' });
  });

  it.each<{ name: string; idOf: (i: number, at: string) => string; kept: (n: number) => boolean }>([
    { name: 'short ids: the count cap binds', idOf: (i) => `sig-${i}`, kept: (n) => n === MAX_SEEN_SIGNALS },
    { name: 'probe ids (~60 characters): about as many as the count allows', idOf: probeId, kept: (n) => n > 900 && n <= MAX_SEEN_SIGNALS },
    {
      name: '512-character ids (the largest a signal may have): the size cap binds',
      idOf: (i) => `${String(i).padStart(8, '0')}`.padEnd(512, 'x'),
      kept: (n) => n > 100 && n < 250,
    },
    { name: 'ids of multi-byte characters are measured in UTF-8 bytes', idOf: (i) => `${i}:`.padEnd(400, 'ü'), kept: (n) => n > 50 && n < 150 },
  ])('$name', ({ idOf, kept }) => {
    const { ledger } = recordMany(3_000, 1_000, idOf);
    const seenBytes = Buffer.byteLength(JSON.stringify(ledger.seenSignals));
    expect(seenBytes).toBeLessThanOrEqual(MAX_SEEN_SIGNAL_BYTES);
    expect(kept(ledger.seenSignals.length)).toBe(true);
    expect(bytesOf(ledger)).toBeLessThan(ITEM_BUDGET_BYTES);
  });

  it('keeps a signal that acted a duplicate after later decisions pushed its id out of the seen ids', () => {
    const acted: Decision = {
      signalId: 'acted',
      service: 'checkout',
      decidedAt: ago(1_800),
      kind: 'restart',
      action: { kind: 'restart', pods: ['p1'] },
      reason: 'restart: pods crashing',
      evidence: {},
    };
    const afterAction = recordDecision(emptyLedger(), acted, p, ago(1_800));
    // 1,500 more final decisions within the next half hour (the action is still within the escalation window).
    const { ledger } = recordMany(1_500, 1_000, probeId, afterAction);

    expect(ledger.seenSignals.some((s) => s.id === 'acted')).toBe(false);
    expect(wasSeen(ledger, 'acted')).toBe(true);
    expect(decideRemediation(signal({ id: 'acted' }), { service: service(), ledger }, p, NOW)).toMatchObject({ kind: 'none', noneReason: 'duplicate' });
  });
});

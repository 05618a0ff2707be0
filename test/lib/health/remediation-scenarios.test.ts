import { describe, expect, it } from 'vitest';
import { decideRemediation } from '../../../lib/health/decide-remediation.js';
import type { HealthSignal } from '../../../lib/health/health-signal.js';
import { emptyLedger, recordDecision, type RemediationLedger } from '../../../lib/health/remediation-ledger.js';
import type { RemediationPolicy } from '../../../lib/health/remediation-policy.js';
import type { Decision, ServiceHealthContext } from '../../../lib/health/remediation-types.js';
import { NOW, ago, policy, service, signal } from './remediation-builders.js';

/** Decides signals one after another, persisting the ledger between decisions as the lead will. */
function replay(
  steps: { signal: HealthSignal; service: ServiceHealthContext | undefined; now: string; detectorAgrees?: boolean }[],
  p: RemediationPolicy,
  ledger: RemediationLedger = emptyLedger(),
): { decisions: Decision[]; ledger: RemediationLedger } {
  const decisions: Decision[] = [];
  for (const step of steps) {
    const decision = decideRemediation(step.signal, { service: step.service, ledger, detectorAgrees: step.detectorAgrees }, p, step.now);
    // The ledger is stored as JSON between invocations.
    ledger = JSON.parse(JSON.stringify(recordDecision(ledger, decision, p, step.now)));
    decisions.push(decision);
  }
  return { decisions, ledger };
}

const acted = (decisions: Decision[]) => decisions.filter((d) => d.kind !== 'none');

describe('alarm storm', () => {
  const services = Array.from({ length: 100 }, (_, i) => `svc-${i}`);
  const storm = services.map((name, i) => ({
    signal: signal({ id: `storm-${i}`, service: name, kind: 'saturation' }),
    service: service({ name, recentSignals: [signal({ id: `storm-${i}-earlier`, service: name, kind: 'saturation', observedAt: ago(90) })] }),
    now: NOW,
  }));

  it('100 confirmed alarms across 100 services at once yield only the global budget of actions', () => {
    const p = policy();
    const { decisions, ledger } = replay(storm, p);
    expect(acted(decisions)).toHaveLength(p.globalRateLimit.capacity);
    const limited = decisions.filter((d) => d.kind === 'none' && d.noneReason === 'rateLimited');
    expect(limited).toHaveLength(100 - p.globalRateLimit.capacity);
    expect(limited.every((d) => d.evidence.rateLimitScope === 'global')).toBe(true);
    expect(ledger.globalBucket?.tokens).toBeCloseTo(0, 9);
  });

  it('rate-limited alarms re-delivered an hour later get the refilled budget, no more', () => {
    const p = policy();
    const first = replay(storm, p);
    const anHourLater = new Date(Date.parse(NOW) + 3_600_000).toISOString();
    const retried = replay(
      storm.map((s) => ({ ...s, now: anHourLater })),
      p,
      first.ledger,
    );
    // The 10 that acted are duplicates now; of the 90 retried, the refill (20/h, capped at capacity 10) allows 10.
    expect(retried.decisions.filter((d) => d.kind === 'none' && d.noneReason === 'duplicate')).toHaveLength(10);
    expect(acted(retried.decisions)).toHaveLength(p.globalRateLimit.capacity);
  });

  it('in dry run, the storm reports the same bounded set as would-be actions and changes nothing', () => {
    const p = policy({ dryRun: true });
    const { decisions } = replay(storm, p);
    expect(acted(decisions)).toHaveLength(0);
    expect(decisions.filter((d) => d.kind === 'none' && d.wouldDo !== undefined)).toHaveLength(p.globalRateLimit.capacity);
  });
});

describe('duplicates', () => {
  it('the same alarm delivered twice acts once', () => {
    const step = { signal: signal(), service: service({ promotedAt: ago(600) }), now: NOW };
    const { decisions } = replay([step, { ...step, now: ago(-5) }], policy());
    expect(decisions.map((d) => d.kind)).toEqual(['rollback', 'none']);
    expect(decisions[1].kind === 'none' && decisions[1].noneReason).toBe('duplicate');
  });
});

describe('hysteresis', () => {
  it('an alarm that is OK again before it is confirmed never acts', () => {
    const alarm = signal({ id: 'a1', observedAt: ago(30) });
    const ok = signal({ id: 'ok1', state: 'OK', observedAt: ago(10) });
    const svc = (recent: HealthSignal[]) => service({ promotedAt: ago(600), recentSignals: recent });
    const { decisions, ledger } = replay(
      [
        { signal: alarm, service: svc([]), now: ago(25) },
        { signal: ok, service: svc([alarm]), now: ago(9) },
        // The lead re-delivers the alarm at its retryAfter; by then the OK is known.
        { signal: alarm, service: svc([alarm, ok]), now: NOW },
      ],
      policy(),
    );
    expect(decisions.map((d) => (d.kind === 'none' ? d.noneReason : d.kind))).toEqual(['awaitingConfirmation', 'recovered', 'recovered']);
    expect(ledger.actions).toEqual([]);
  });

  it('an alarm re-delivered after it persisted acts then', () => {
    const alarm = signal({ id: 'a1', observedAt: ago(300) });
    const svc = service({ promotedAt: ago(900), recentSignals: [] });
    const first = decideRemediation(alarm, { service: svc, ledger: emptyLedger() }, policy(), ago(290));
    expect(first.kind === 'none' && first.noneReason).toBe('awaitingConfirmation');
    const retryAt = first.kind === 'none' ? first.retryAfter! : NOW;
    const ledger = recordDecision(emptyLedger(), first, policy(), ago(290));
    expect(decideRemediation(alarm, { service: svc, ledger }, policy(), retryAt).kind).toBe('rollback');
  });
});

describe('recordDecision', () => {
  const p = policy();

  it('takes a token from the service and the global bucket for an action and starts the cooldown', () => {
    const decision = decideRemediation(signal(), { service: service({ promotedAt: ago(600) }), ledger: emptyLedger() }, p, NOW);
    const ledger = recordDecision(emptyLedger(), decision, p, NOW);
    expect(ledger.serviceBuckets.checkout.tokens).toBe(p.serviceRateLimit.capacity - 1);
    expect(ledger.globalBucket?.tokens).toBe(p.globalRateLimit.capacity - 1);
    expect(ledger.actions).toEqual([{ service: 'checkout', kind: 'rollback', at: NOW, signalId: 'sig-now', dryRun: false }]);
    expect(ledger.seenSignals).toEqual([{ id: 'sig-now', at: NOW }]);
  });

  it('does not remember deferrable decisions, so a re-delivery is decided again', () => {
    const decision = decideRemediation(signal(), { service: service({ recentSignals: [] }), ledger: emptyLedger() }, p, NOW);
    expect(decision.kind === 'none' && decision.noneReason).toBe('awaitingConfirmation');
    expect(recordDecision(emptyLedger(), decision, p, NOW)).toEqual(emptyLedger());
  });

  it('forgets what no rule needs any more', () => {
    const old: RemediationLedger = {
      version: 1,
      seenSignals: [
        { id: 'ancient', at: ago(2 * 86_400) },
        { id: 'recent', at: ago(60) },
      ],
      actions: [
        { service: 'cart', kind: 'restart', at: ago(5 * 3_600), signalId: 'ancient', dryRun: false },
        { service: 'cart', kind: 'restart', at: ago(600), signalId: 'recent', dryRun: false },
      ],
      serviceBuckets: { cart: { tokens: 2, updatedAt: ago(600) }, search: { tokens: 0, updatedAt: ago(10 * 3_600) } },
    };
    const decision = decideRemediation(signal({ id: 'x', state: 'OK' }), { service: service(), ledger: old }, p, NOW);
    const pruned = recordDecision(old, decision, p, NOW);
    expect(pruned.seenSignals.map((s) => s.id)).toEqual(['recent', 'x']);
    expect(pruned.actions.map((a) => a.signalId)).toEqual(['recent']);
    // search's bucket has refilled to capacity: an absent bucket means the same.
    expect(Object.keys(pruned.serviceBuckets)).toEqual(['cart']);
  });
});

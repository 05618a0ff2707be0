import { describe, expect, it } from 'vitest';
import { decideRemediation } from '../../../lib/health/decide-remediation.js';
import type { HealthSignal } from '../../../lib/health/health-signal.js';
import type { RemediationLedger } from '../../../lib/health/remediation-ledger.js';
import type { RemediationPolicy } from '../../../lib/health/remediation-policy.js';
import type { Decision, NoneReason, RemediationAction, ServiceHealthContext } from '../../../lib/health/remediation-types.js';
import { HEALTHY_PODS, NOW, ago, context, ledgerWith, pod, policy, service, signal } from './remediation-builders.js';

interface Case {
  name: string;
  signal?: Partial<HealthSignal>;
  service?: Partial<ServiceHealthContext> | null;
  ledger?: Partial<RemediationLedger>;
  policy?: Partial<RemediationPolicy>;
  detectorAgrees?: boolean;
  expect: { action: RemediationAction } | { none: NoneReason; wouldDo?: RemediationAction; retryAfter?: string; reason?: RegExp };
}

function decide(c: Case): Decision {
  const svc = c.service === null ? undefined : service(c.service ?? {});
  return decideRemediation(
    signal(c.signal ?? {}),
    context({ service: svc, ledger: ledgerWith(c.ledger ?? {}), ...(c.detectorAgrees !== undefined ? { detectorAgrees: c.detectorAgrees } : {}) }),
    policy(c.policy ?? {}),
    NOW,
  );
}

const crashing = { recentCrashes: 3, ready: false, waitingReason: 'CrashLoopBackOff' };

/** Worked examples: one row per decision and per reason for doing nothing. */
const CASES: Case[] = [
  // Actions.
  {
    name: 'abortRollout: the canary of a running rollout alarms',
    signal: { track: 'canary' },
    service: { activeRollout: { id: 'ro-12', canaryRevision: 'r8' }, recentSignals: [signal({ id: 'sig-earlier', track: 'canary', observedAt: ago(90) })] },
    expect: { action: { kind: 'abortRollout', rolloutId: 'ro-12' } },
  },
  {
    name: 'rollback: error rate alarm 10 minutes after r7 was promoted',
    service: { promotedAt: ago(600) },
    expect: { action: { kind: 'rollback', fromRevision: 'r7', toRevision: 'r6' } },
  },
  {
    name: 'rollback, not restart: a crash loop right after a promotion is the new revision',
    signal: { kind: 'crashLoop' },
    service: {
      promotedAt: ago(300),
      pods: [pod('p1', 'n1', 'a', crashing), pod('p2', 'n2', 'a'), pod('p3', 'n3', 'b', crashing), pod('p4', 'n4', 'b')],
      recentSignals: [signal({ id: 'e', kind: 'crashLoop', observedAt: ago(90) })],
    },
    expect: { action: { kind: 'rollback', fromRevision: 'r7', toRevision: 'r6' } },
  },
  {
    name: 'restart: crash loop spread across nodes and zones on a revision three days old',
    signal: { kind: 'crashLoop' },
    service: {
      pods: [pod('p1', 'n1', 'a', crashing), pod('p2', 'n2', 'a'), pod('p3', 'n3', 'b', crashing), pod('p4', 'n4', 'b')],
      recentSignals: [signal({ id: 'e', kind: 'crashLoop', observedAt: ago(90) })],
    },
    expect: { action: { kind: 'restart', pods: ['p1', 'p3'] } },
  },
  {
    name: 'restart: pods stuck pending, no earlier good revision to go back to',
    signal: { kind: 'pending' },
    service: {
      promotedAt: ago(60),
      previousGoodRevision: undefined,
      pods: [...HEALTHY_PODS.slice(0, 3), pod('p5', 'n1', 'a', { ready: false, waitingReason: 'Unschedulable' })],
      recentSignals: [signal({ id: 'e', kind: 'pending', observedAt: ago(90) })],
    },
    expect: { action: { kind: 'restart', pods: ['p5'] } },
  },
  {
    name: 'scaleOut: saturation alarm, 4 replicas × 1.5 = 6',
    signal: { kind: 'saturation' },
    service: { cpuUtilization: 0.95, recentSignals: [signal({ id: 'e', kind: 'saturation', observedAt: ago(90) })] },
    expect: { action: { kind: 'scaleOut', fromReplicas: 4, toReplicas: 6 } },
  },
  {
    name: 'scaleOut: latency alarm while CPU is at 92% of requests',
    signal: { kind: 'latency' },
    service: { cpuUtilization: 0.92, recentSignals: [signal({ id: 'e', kind: 'latency', observedAt: ago(90) })] },
    expect: { action: { kind: 'scaleOut', fromReplicas: 4, toReplicas: 6 } },
  },
  {
    name: 'scaleOut is bounded by the maximum: 18 replicas → 20, not 27',
    signal: { kind: 'saturation' },
    service: { replicas: 18, readyReplicas: 18, recentSignals: [signal({ id: 'e', kind: 'saturation', observedAt: ago(90) })] },
    expect: { action: { kind: 'scaleOut', fromReplicas: 18, toReplicas: 20 } },
  },
  {
    name: 'scaleOut is bounded by the step: 40 replicas (service max 100) → 50, not 60',
    signal: { kind: 'saturation' },
    service: { replicas: 40, readyReplicas: 40, maxReplicas: 100, recentSignals: [signal({ id: 'e', kind: 'saturation', observedAt: ago(90) })] },
    expect: { action: { kind: 'scaleOut', fromReplicas: 40, toReplicas: 50 } },
  },
  {
    name: 'evacuateNode: all three failing pods are on n1, pods elsewhere are fine',
    signal: { kind: 'unavailable' },
    service: {
      pods: [pod('p1', 'n1', 'a', crashing), pod('p2', 'n1', 'a', crashing), pod('p5', 'n1', 'a', crashing), pod('p3', 'n3', 'b'), pod('p4', 'n4', 'b')],
      recentSignals: [signal({ id: 'e', kind: 'unavailable', observedAt: ago(90) })],
    },
    expect: { action: { kind: 'evacuateNode', node: 'n1', pods: ['p1', 'p2', 'p5'] } },
  },
  {
    name: 'evacuateNode: the node under two of the pods is not ready',
    signal: { kind: 'nodeNotReady', node: 'n2' },
    service: { pods: [...HEALTHY_PODS, pod('p5', 'n2', 'a')], recentSignals: [signal({ id: 'e', kind: 'nodeNotReady', observedAt: ago(90) })] },
    expect: { action: { kind: 'evacuateNode', node: 'n2', pods: ['p2', 'p5'] } },
  },
  {
    name: 'evacuateZone: failures on two nodes of zone a, zone b healthy',
    signal: { kind: 'errorRate' },
    service: { pods: [pod('p1', 'n1', 'a', crashing), pod('p2', 'n2', 'a', crashing), pod('p3', 'n3', 'b'), pod('p4', 'n4', 'b')] },
    expect: { action: { kind: 'evacuateZone', zone: 'a', pods: ['p1', 'p2'] } },
  },
  {
    name: 'confirmation by the anomaly detector alone',
    service: { promotedAt: ago(600), recentSignals: [] },
    detectorAgrees: true,
    expect: { action: { kind: 'rollback', fromRevision: 'r7', toRevision: 'r6' } },
  },
  {
    name: 'confirmation by persistence alone: one alarm, in ALARM for 200 s',
    signal: { observedAt: ago(200) },
    service: { promotedAt: ago(900), recentSignals: [] },
    expect: { action: { kind: 'rollback', fromRevision: 'r7', toRevision: 'r6' } },
  },
  {
    name: 'abortRollout is exempt from cooldown',
    signal: { track: 'canary' },
    service: { activeRollout: { id: 'ro-12', canaryRevision: 'r8' }, recentSignals: [signal({ id: 'sig-earlier', track: 'canary', observedAt: ago(90) })] },
    ledger: { actions: [{ service: 'checkout', kind: 'restart', at: ago(60), signalId: 'old', dryRun: false }] },
    expect: { action: { kind: 'abortRollout', rolloutId: 'ro-12' } },
  },
  {
    name: 'escalation: scale-out 20 minutes ago did not help, CPU still saturated on n1 → evacuate n1',
    signal: { kind: 'latency' },
    service: {
      cpuUtilization: 0.95,
      pods: [pod('p1', 'n1', 'a', { ready: false }), pod('p2', 'n1', 'a', { ready: false }), pod('p3', 'n3', 'b'), pod('p4', 'n4', 'b')],
      recentSignals: [signal({ id: 'e', kind: 'latency', observedAt: ago(90) })],
    },
    ledger: { actions: [{ service: 'checkout', kind: 'scaleOut', at: ago(1_200), signalId: 'old', dryRun: false }] },
    expect: { action: { kind: 'evacuateNode', node: 'n1', pods: ['p1', 'p2'] } },
  },

  // Reasons to do nothing.
  { name: 'duplicate: the signal id was already decided', ledger: { seenSignals: [{ id: 'sig-now', at: ago(10) }] }, expect: { none: 'duplicate' } },
  { name: 'unknownService: meshplane does not manage it', service: null, expect: { none: 'unknownService' } },
  { name: 'unknownService: the context is for another service', signal: { service: 'cart' }, expect: { none: 'unknownService' } },
  { name: 'recovered: the signal itself is OK', signal: { state: 'OK' }, expect: { none: 'recovered' } },
  {
    name: 'recovered: an OK for the same condition arrived after this alarm',
    service: {
      promotedAt: ago(600),
      recentSignals: [signal({ id: 'sig-earlier', observedAt: ago(90) }), signal({ id: 'sig-ok', state: 'OK', observedAt: ago(10) })],
    },
    expect: { none: 'recovered', reason: /returned to OK/ },
  },
  {
    name: 'an OK for another kind does not count as recovery',
    service: {
      promotedAt: ago(600),
      recentSignals: [signal({ id: 'sig-earlier', observedAt: ago(90) }), signal({ id: 'sig-ok', kind: 'latency', state: 'OK', observedAt: ago(10) })],
    },
    expect: { action: { kind: 'rollback', fromRevision: 'r7', toRevision: 'r6' } },
  },
  {
    name: 'flapping: ALARM/OK/ALARM/OK/ALARM in the last half hour',
    service: {
      promotedAt: ago(600),
      recentSignals: ['ALARM', 'OK', 'ALARM', 'OK'].map((state, i) =>
        signal({ id: `f${i}`, state: state as 'ALARM' | 'OK', observedAt: ago(1_200 - i * 200) }),
      ),
    },
    expect: { none: 'flapping' },
  },
  {
    name: 'awaitingConfirmation: first alarm, 30 s old, detector silent → ask again at +180 s',
    service: { promotedAt: ago(600), recentSignals: [] },
    expect: { none: 'awaitingConfirmation', retryAfter: new Date(Date.parse(ago(30)) + 180_000).toISOString() },
  },
  {
    name: 'awaitingConfirmation: the previous ALARM was before an OK, so the streak restarted',
    service: { promotedAt: ago(600), recentSignals: [signal({ id: 'a', observedAt: ago(400) }), signal({ id: 'ok', state: 'OK', observedAt: ago(300) })] },
    expect: { none: 'awaitingConfirmation' },
  },
  {
    name: 'staleSignal: canary alarm, but no rollout is running',
    signal: { track: 'canary' },
    service: { recentSignals: [signal({ id: 'sig-earlier', track: 'canary', observedAt: ago(90) })] },
    expect: { none: 'staleSignal' },
  },
  { name: 'noSafeAction: error rate on an old revision, not saturated, not concentrated', expect: { none: 'noSafeAction' } },
  {
    name: 'noSafeAction: every pod fails and all run in zone a, so the zone is not what sets them apart',
    service: { replicas: 2, readyReplicas: 0, pods: [pod('p1', 'n1', 'a', crashing), pod('p2', 'n2', 'a', crashing)] },
    expect: { none: 'noSafeAction' },
  },
  {
    name: 'noSafeAction: saturated but already at the maximum',
    signal: { kind: 'saturation' },
    service: { replicas: 20, readyReplicas: 20, recentSignals: [signal({ id: 'e', kind: 'saturation', observedAt: ago(90) })] },
    expect: { none: 'noSafeAction' },
  },
  {
    name: 'exhausted: the restart 20 minutes ago did not stop the crash loop',
    signal: { kind: 'crashLoop' },
    service: {
      pods: [pod('p1', 'n1', 'a', crashing), pod('p2', 'n2', 'a'), pod('p3', 'n3', 'b', crashing), pod('p4', 'n4', 'b')],
      recentSignals: [signal({ id: 'e', kind: 'crashLoop', observedAt: ago(90) })],
    },
    ledger: { actions: [{ service: 'checkout', kind: 'restart', at: ago(1_200), signalId: 'old', dryRun: false }] },
    expect: { none: 'exhausted' },
  },
  {
    name: 'cooldown: a restart 5 minutes ago; restart cooldown is 15 minutes',
    service: { promotedAt: ago(600) },
    ledger: { actions: [{ service: 'checkout', kind: 'restart', at: ago(300), signalId: 'old', dryRun: false }] },
    expect: { none: 'cooldown', retryAfter: new Date(Date.parse(ago(300)) + 900_000).toISOString() },
  },
  {
    name: 'rateLimited: the service used its 3 actions',
    service: { promotedAt: ago(600) },
    ledger: { serviceBuckets: { checkout: { tokens: 0, updatedAt: NOW } } },
    expect: { none: 'rateLimited', retryAfter: new Date(Date.parse(NOW) + 30 * 60_000).toISOString() },
  },
  {
    name: 'rateLimited: the platform used its global budget',
    service: { promotedAt: ago(600) },
    ledger: { globalBucket: { tokens: 0.5, updatedAt: NOW } },
    expect: { none: 'rateLimited', retryAfter: new Date(Date.parse(NOW) + 90_000).toISOString() },
  },
  {
    name: 'notObserved: a confirmed alarm on a service whose pods the probe has not observed waits 10 s for them',
    service: { promotedAt: ago(600), pods: [], podsUnknown: 'it has not been observed yet' },
    expect: { none: 'notObserved', retryAfter: '2025-03-14T12:00:10.000Z', reason: /but it has not been observed yet/ },
  },
  {
    name: 'notObserved does not hold back aborting a canary: the rollout is known from the store',
    signal: { track: 'canary' },
    service: {
      activeRollout: { id: 'ro-12', canaryRevision: 'r8' },
      podsUnknown: 'its pods could not be observed',
      recentSignals: [signal({ id: 'sig-earlier', track: 'canary', observedAt: ago(90) })],
    },
    expect: { action: { kind: 'abortRollout', rolloutId: 'ro-12' } },
  },
  {
    name: 'dryRun: reports what it would do',
    service: { promotedAt: ago(600) },
    policy: { dryRun: true },
    expect: { none: 'dryRun', wouldDo: { kind: 'rollback', fromRevision: 'r7', toRevision: 'r6' } },
  },
];

describe('decideRemediation: worked examples', () => {
  it.each(CASES)('$name', (c) => {
    const decision = decide(c);
    if ('action' in c.expect) {
      expect(decision.kind).toBe(c.expect.action.kind);
      if (decision.kind !== 'none') expect(decision.action).toEqual(c.expect.action);
    } else {
      expect(decision.kind).toBe('none');
      if (decision.kind !== 'none') return;
      expect(decision.noneReason).toBe(c.expect.none);
      if (c.expect.wouldDo) expect(decision.wouldDo).toEqual(c.expect.wouldDo);
      else expect(decision.wouldDo).toBeUndefined();
      if (c.expect.retryAfter) expect(decision.retryAfter).toBe(c.expect.retryAfter);
      if (c.expect.reason) expect(decision.reason).toMatch(c.expect.reason);
    }
    // Every decision is auditable: who, what, when, why and on what evidence.
    expect(decision).toMatchObject({ signalId: c.signal?.id ?? 'sig-now', decidedAt: NOW });
    expect(decision.reason.length).toBeGreaterThan(10);
    expect(decision.evidence.signalKind).toBe(c.signal?.kind ?? 'errorRate');
    expect(JSON.parse(JSON.stringify(decision))).toEqual(decision);
  });
});

describe('decideRemediation: evidence', () => {
  it('records why a rollback blamed the revision', () => {
    const decision = decide({ name: '', service: { promotedAt: ago(600) }, expect: { none: 'duplicate' } });
    expect(decision.evidence).toMatchObject({
      promotedSecondsAgo: 600,
      currentRevision: 'r7',
      previousGoodRevision: 'r6',
      consecutiveAlarms: 2,
      candidates: ['rollback'],
    });
  });

  it('records which actions were ruled out and why', () => {
    const decision = decide({
      name: '',
      signal: { kind: 'saturation' },
      service: { replicas: 20, readyReplicas: 20, recentSignals: [signal({ id: 'e', kind: 'saturation', observedAt: ago(90) })] },
      expect: { none: 'noSafeAction' },
    });
    expect(decision.evidence.ruledOut).toEqual(['scaleOut: already at the maximum of 20 replicas']);
  });
});

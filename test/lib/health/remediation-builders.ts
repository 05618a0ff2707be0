import type { HealthSignal } from '../../../lib/health/health-signal.js';
import { emptyLedger, type RemediationLedger } from '../../../lib/health/remediation-ledger.js';
import { DEFAULT_REMEDIATION_POLICY, type RemediationPolicy } from '../../../lib/health/remediation-policy.js';
import type { RemediationContext } from '../../../lib/health/decide-remediation.js';
import type { PodHealth, ServiceHealthContext } from '../../../lib/health/remediation-types.js';

/** The instant every decision in these tests is made at. */
export const NOW = '2025-03-14T12:00:00.000Z';

/** ISO time `seconds` before NOW. */
export function ago(seconds: number): string {
  return new Date(Date.parse(NOW) - seconds * 1_000).toISOString();
}

export function signal(overrides: Partial<HealthSignal> = {}): HealthSignal {
  return {
    id: 'sig-now',
    source: 'cloudwatch',
    service: 'checkout',
    namespace: 'shop',
    kind: 'errorRate',
    state: 'ALARM',
    observedAt: ago(30),
    reason: 'test alarm',
    ...overrides,
  };
}

export function pod(name: string, node: string, zone: string, overrides: Partial<PodHealth> = {}): PodHealth {
  return { name, node, zone, ready: true, recentCrashes: 0, revision: 'r7', ...overrides };
}

/** Four healthy pods: two nodes in zone a, two in zone b. */
export const HEALTHY_PODS: PodHealth[] = [pod('p1', 'n1', 'a'), pod('p2', 'n2', 'a'), pod('p3', 'n3', 'b'), pod('p4', 'n4', 'b')];

/**
 * A service that has run revision r7 for three days, with an earlier ALARM for the same condition,
 * so a new ALARM is confirmed by default (two in a row).
 */
export function service(overrides: Partial<ServiceHealthContext> = {}): ServiceHealthContext {
  return {
    name: 'checkout',
    namespace: 'shop',
    currentRevision: 'r7',
    previousGoodRevision: 'r6',
    promotedAt: ago(3 * 86_400),
    replicas: 4,
    readyReplicas: 4,
    pods: HEALTHY_PODS,
    cpuUtilization: 0.4,
    recentSignals: [signal({ id: 'sig-earlier', observedAt: ago(90) })],
    ...overrides,
  };
}

export function context(overrides: Partial<RemediationContext> = {}): RemediationContext {
  return { service: service(), ledger: emptyLedger(), ...overrides };
}

export function policy(overrides: Partial<RemediationPolicy> = {}): RemediationPolicy {
  return { ...DEFAULT_REMEDIATION_POLICY, ...overrides };
}

export function ledgerWith(overrides: Partial<RemediationLedger>): RemediationLedger {
  return { ...emptyLedger(), ...overrides };
}

import type { HealthSignal, SignalKind } from './health-signal.js';
import { ACTION_KINDS, type RemediationPolicy } from './remediation-policy.js';
import type { Evidence, PodHealth, RemediationAction, ServiceHealthContext } from './remediation-types.js';

/** An action the evidence supports, with why. */
export interface Candidate {
  action: RemediationAction;
  why: string;
  evidence: Evidence;
}

/** Candidates in the order they should be tried, plus notes on actions that were considered and ruled out. */
export interface Diagnosis {
  candidates: Candidate[];
  ruledOut: string[];
}

/** Signal kinds that a bad revision can cause. */
const REVISION_SYMPTOMS: ReadonlySet<SignalKind> = new Set(['errorRate', 'latency', 'crashLoop', 'unavailable']);
/** Signal kinds that pods stuck or crashing cause, and a restart can clear. */
const STUCK_POD_SYMPTOMS: ReadonlySet<SignalKind> = new Set(['crashLoop', 'pending', 'unavailable']);
/** Signal kinds for which moving pods away from a bad node or zone can help. */
const LOCATION_SYMPTOMS: ReadonlySet<SignalKind> = new Set(['errorRate', 'latency', 'crashLoop', 'unavailable', 'pending', 'nodeNotReady', 'custom']);
/** Signal kinds for which more replicas can help when the service is saturated. */
const LOAD_SYMPTOMS: ReadonlySet<SignalKind> = new Set(['saturation', 'latency', 'errorRate']);

/** A pod that is crashing or not serving. */
export function isFailing(pod: PodHealth): boolean {
  return pod.recentCrashes > 0 || !pod.ready;
}

/**
 * Which actions the evidence supports for a confirmed ALARM on the stable track, least disruptive
 * first (the order of ACTION_KINDS). Canary signals are handled before this (they abort the rollout).
 */
export function diagnose(signal: HealthSignal, service: ServiceHealthContext, policy: RemediationPolicy, now: string): Diagnosis {
  const candidates: Candidate[] = [];
  const ruledOut: string[] = [];
  const failing = service.pods.filter(isFailing);

  // scaleOut: the service is out of capacity.
  if (LOAD_SYMPTOMS.has(signal.kind)) {
    const cpu = service.cpuUtilization;
    const saturated = signal.kind === 'saturation' || (cpu !== undefined && cpu >= policy.scaleOut.cpuUtilization);
    if (saturated) {
      const max = service.maxReplicas ?? policy.scaleOut.maxReplicas;
      const target = Math.min(
        max,
        service.replicas + policy.scaleOut.maxStep,
        Math.max(service.replicas + 1, Math.ceil(service.replicas * policy.scaleOut.factor)),
      );
      if (target > service.replicas) {
        candidates.push({
          action: { kind: 'scaleOut', fromReplicas: service.replicas, toReplicas: target },
          why: `the service is saturated${cpu !== undefined ? ` (CPU at ${percent(cpu)} of requests)` : ''}; adding replicas disrupts nothing`,
          evidence: { cpuUtilization: cpu ?? 'unknown', replicas: service.replicas, maxReplicas: max },
        });
      } else {
        ruledOut.push(`scaleOut: already at the maximum of ${max} replicas`);
      }
    }
  }

  // evacuateNode / evacuateZone: failures concentrated where healthy pods elsewhere show the code is fine.
  if (LOCATION_SYMPTOMS.has(signal.kind)) {
    if (signal.kind === 'nodeNotReady' && signal.node !== undefined) {
      const onNode = service.pods.filter((p) => p.node === signal.node).map((p) => p.name);
      if (onNode.length > 0) {
        candidates.push({
          action: { kind: 'evacuateNode', node: signal.node, pods: onNode },
          why: `node ${signal.node} is not ready and runs ${onNode.length} of the service's pods`,
          evidence: { node: signal.node, podsOnNode: onNode },
        });
      } else {
        ruledOut.push(`evacuateNode: the service runs no pods on ${signal.node}`);
      }
    } else {
      const node = concentratedFailures(service.pods, failing, (p) => p.node, policy);
      if (node) {
        candidates.push({
          action: { kind: 'evacuateNode', node: node.place, pods: node.pods },
          why: `${node.failingThere} of ${failing.length} failing pods are on node ${node.place} while pods elsewhere are healthy`,
          evidence: { node: node.place, failingOnNode: node.failingThere, failingPods: failing.length, healthyElsewhere: node.healthyElsewhere },
        });
      }
    }
    // A zone is blamed only when no single node explains the failures: evacuating a node is smaller.
    const nodeExplains = candidates.some((c) => c.action.kind === 'evacuateNode');
    const zone = nodeExplains ? undefined : concentratedFailures(service.pods, failing, (p) => p.zone, policy);
    if (zone) {
      candidates.push({
        action: { kind: 'evacuateZone', zone: zone.place, pods: zone.pods },
        why: `${zone.failingThere} of ${failing.length} failing pods are in zone ${zone.place} while pods in other zones are healthy`,
        evidence: { zone: zone.place, failingInZone: zone.failingThere, failingPods: failing.length, healthyElsewhere: zone.healthyElsewhere },
      });
    }
  }

  // rollback: the problem started soon after the current revision was promoted.
  const promotedSecondsAgo = service.promotedAt === undefined ? undefined : (Date.parse(now) - Date.parse(service.promotedAt)) / 1_000;
  const recentPromotion = promotedSecondsAgo !== undefined && promotedSecondsAgo >= 0 && promotedSecondsAgo <= policy.rollbackWindowSeconds;
  const canRollBack = service.previousGoodRevision !== undefined && service.previousGoodRevision !== service.currentRevision;
  if (REVISION_SYMPTOMS.has(signal.kind) && recentPromotion) {
    if (canRollBack) {
      candidates.push({
        action: { kind: 'rollback', fromRevision: service.currentRevision, toRevision: service.previousGoodRevision! },
        why: `the alarm began ${Math.round(promotedSecondsAgo!)} s after revision ${service.currentRevision} was promoted`,
        evidence: {
          promotedAt: service.promotedAt!,
          promotedSecondsAgo: Math.round(promotedSecondsAgo!),
          currentRevision: service.currentRevision,
          previousGoodRevision: service.previousGoodRevision!,
        },
      });
    } else {
      ruledOut.push('rollback: no earlier good revision is known');
    }
  }

  // restart: pods are crash-looping or stuck on a revision that has been running fine.
  if (STUCK_POD_SYMPTOMS.has(signal.kind)) {
    if (recentPromotion && canRollBack) {
      ruledOut.push('restart: the revision is new, restarting its pods would not fix it');
    } else {
      const pods = failing.map((p) => p.name);
      candidates.push({
        action: { kind: 'restart', pods },
        why:
          pods.length > 0
            ? `${pods.length} pods are crashing or not ready on a revision that ran fine before`
            : 'the service reports stuck pods; restarting the workload',
        evidence: { failingPods: pods, readyReplicas: service.readyReplicas, replicas: service.replicas },
      });
    }
  }

  candidates.sort((a, b) => ACTION_KINDS.indexOf(a.action.kind) - ACTION_KINDS.indexOf(b.action.kind));
  return { candidates, ruledOut };
}

interface Concentration {
  place: string;
  pods: string[];
  failingThere: number;
  healthyElsewhere: number;
}

/**
 * The place (node or zone) holding at least `minShare` of the failing pods, provided some pods
 * elsewhere are healthy (otherwise the place is not what distinguishes failing pods).
 */
function concentratedFailures(
  pods: readonly PodHealth[],
  failing: readonly PodHealth[],
  placeOf: (pod: PodHealth) => string | undefined,
  policy: RemediationPolicy,
): Concentration | undefined {
  if (failing.length < policy.concentration.minFailingPods) return undefined;
  const counts = new Map<string, number>();
  for (const pod of failing) {
    const place = placeOf(pod);
    if (place !== undefined) counts.set(place, (counts.get(place) ?? 0) + 1);
  }
  const [top] = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (top === undefined) return undefined;
  const [place, failingThere] = top;
  if (failingThere < policy.concentration.minFailingPods || failingThere / failing.length < policy.concentration.minShare) return undefined;
  const healthyElsewhere = pods.filter((p) => placeOf(p) !== place && !isFailing(p)).length;
  if (healthyElsewhere === 0) return undefined;
  return { place, pods: pods.filter((p) => placeOf(p) === place).map((p) => p.name), failingThere, healthyElsewhere };
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

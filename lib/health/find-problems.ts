/**
 * What is wrong with a service right now, from its pods, its nodes and its metrics. Pure: the health
 * probe reads the cluster and the metrics, calls this, and turns each finding into a health signal.
 */
import { LABELS } from '../mesh/labels.js';
import type { ServiceRecord } from '../model/records.js';
import type { NodeInfo, PodInfo } from '../ports/cluster-client.js';
import { signalKey, type SignalKind, type SignalTrack } from './health-signal.js';

/** One problem the probe sees; it becomes an ALARM signal. */
export interface Finding {
  kind: SignalKind;
  track?: SignalTrack;
  node?: string;
  value?: number;
  threshold?: number;
  reason: string;
}

/** The stable track's traffic as the probe judged it (absent: no metrics). */
export interface ProbeMetrics {
  requests: number;
  errorRate: number;
  anomalous: boolean;
}

export const trackOf = (p: PodInfo): SignalTrack => (p.labels[LABELS.track] === 'canary' ? 'canary' : 'stable');

/** Pods that no node has taken (Pending and unbound). */
export const unschedulable = (pods: readonly PodInfo[]): PodInfo[] => pods.filter((p) => p.phase === 'Pending' && !p.node);

/** What is wrong with a service right now, from its pods, its nodes and its metrics (pure). */
export function findProblems(service: ServiceRecord, pods: PodInfo[], nodes: NodeInfo[], metrics?: ProbeMetrics): Finding[] {
  const findings: Finding[] = [];
  for (const track of ['stable', 'canary'] as const) {
    const mine = pods.filter((p) => trackOf(p) === track);
    const crashing = mine.filter((p) => p.waitingReason === 'CrashLoopBackOff');
    if (crashing.length)
      findings.push({
        kind: 'crashLoop',
        track,
        value: crashing.length,
        reason: `${crashing.length} ${track} pod(s) in CrashLoopBackOff: ${crashing
          .map((p) => p.name)
          .slice(0, 5)
          .join(', ')}`,
      });
    const pending = unschedulable(mine);
    if (pending.length) findings.push({ kind: 'pending', track, value: pending.length, reason: `${pending.length} ${track} pod(s) cannot be scheduled` });
  }
  const notReadyNodes = new Set(nodes.filter((n) => !n.ready).map((n) => n.name));
  for (const node of [...new Set(pods.filter((p) => p.node && notReadyNodes.has(p.node)).map((p) => p.node!))].sort())
    findings.push({ kind: 'nodeNotReady', node, reason: `node ${node} is NotReady and runs pods of ${service.name}` });
  const readyStable = pods.filter((p) => trackOf(p) === 'stable' && p.ready).length;
  // No pod at all is the reconcile's business (a missing Deployment is re-applied), not a remediation's.
  if (service.spec.replicas > 0 && readyStable === 0 && pods.length > 0)
    findings.push({ kind: 'unavailable', value: 0, threshold: service.spec.replicas, reason: `no stable pod of ${service.name} is ready` });
  const policy = service.spec.rollout.analysis;
  if (metrics && metrics.requests >= policy.minRequests && (metrics.errorRate > policy.maxErrorRate || metrics.anomalous))
    findings.push({
      kind: 'errorRate',
      track: 'stable',
      value: metrics.errorRate,
      threshold: policy.maxErrorRate,
      reason: `stable error rate ${(metrics.errorRate * 100).toFixed(1)}% over ${metrics.requests} requests${metrics.anomalous ? ' (anomalous)' : ''}`,
    });
  return findings;
}

/** The memory key of a finding's condition: its signal key, plus the node for node conditions. */
export const findingKey = (service: string, f: Pick<Finding, 'kind' | 'track' | 'node'>) =>
  `${signalKey({ service, kind: f.kind, track: f.track })}${f.node ? `/${f.node}` : ''}`;

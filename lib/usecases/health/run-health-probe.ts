import { signalKey, type HealthSignal, type SignalKind, type SignalTrack } from '../../health/health-signal.js';
import { ERROR_RATE_DETECTOR, createDetectorState, updateDetector } from '../../health/anomaly-detector.js';
import { errorMessage, VersionConflictError } from '../../errors.js';
import { LABELS, workloadName } from '../../mesh/labels.js';
import { SCHEMA_VERSION } from '../../model/events.js';
import type { ServiceRecord } from '../../model/records.js';
import type { NodeInfo, PodInfo } from '../../ports/cluster-client.js';
import { resolveCluster } from '../cluster/resolve-cluster.js';
import { envelopeIdFor } from './submit-signal.js';
import { emptyMemory, HEALTH_DOCS, type HealthDeps, type ServiceHealthMemory } from './health-deps.js';

interface Finding {
  kind: SignalKind;
  track?: SignalTrack;
  node?: string;
  value?: number;
  threshold?: number;
  reason: string;
}

const METRICS_WINDOW_SECONDS = 60;

/** What is wrong with a service right now, from its pods, its nodes and its metrics (pure). */
export function findProblems(service: ServiceRecord, pods: PodInfo[], nodes: NodeInfo[], metrics?: { requests: number; errorRate: number; anomalous: boolean }): Finding[] {
  const findings: Finding[] = [];
  const trackOf = (p: PodInfo): SignalTrack => (p.labels[LABELS.track] === 'canary' ? 'canary' : 'stable');
  for (const track of ['stable', 'canary'] as const) {
    const mine = pods.filter((p) => trackOf(p) === track);
    const crashing = mine.filter((p) => p.waitingReason === 'CrashLoopBackOff');
    if (crashing.length) findings.push({ kind: 'crashLoop', track, value: crashing.length, reason: `${crashing.length} ${track} pod(s) in CrashLoopBackOff: ${crashing.map((p) => p.name).slice(0, 5).join(', ')}` });
    const pending = mine.filter((p) => p.phase === 'Pending' && !p.node);
    if (pending.length) findings.push({ kind: 'pending', track, value: pending.length, reason: `${pending.length} ${track} pod(s) cannot be scheduled` });
  }
  const notReadyNodes = new Set(nodes.filter((n) => !n.ready).map((n) => n.name));
  for (const node of [...new Set(pods.filter((p) => p.node && notReadyNodes.has(p.node)).map((p) => p.node!))].sort())
    findings.push({ kind: 'nodeNotReady', node, reason: `node ${node} is NotReady and runs pods of ${service.name}` });
  const readyStable = pods.filter((p) => trackOf(p) === 'stable' && p.ready).length;
  if (service.spec.replicas > 0 && readyStable === 0 && pods.length > 0) findings.push({ kind: 'unavailable', value: 0, threshold: service.spec.replicas, reason: `no stable pod of ${service.name} is ready` });
  const policy = service.spec.rollout.analysis;
  if (metrics && metrics.requests >= policy.minRequests && (metrics.errorRate > policy.maxErrorRate || metrics.anomalous))
    findings.push({ kind: 'errorRate', track: 'stable', value: metrics.errorRate, threshold: policy.maxErrorRate, reason: `stable error rate ${(metrics.errorRate * 100).toFixed(1)}% over ${metrics.requests} requests${metrics.anomalous ? ' (anomalous)' : ''}` });
  return findings;
}

const keyOf = (service: string, f: Pick<Finding, 'kind' | 'track' | 'node'>) => `${signalKey({ service, kind: f.kind, track: f.track })}${f.node ? `/${f.node}` : ''}`;

/**
 * The scheduled health probe: reads every service's pods, nodes and metrics, sends an ALARM signal for
 * each problem it sees (again on every run while it lasts: that is what confirms it) and an OK when a
 * problem it reported has cleared. Signals go through the health queue like CloudWatch alarms do.
 * It also re-sends the deferred signals of one-shot sources whose `retryAfter` has come (see
 * ServiceHealthMemory.deferred), under a new deduplication id: the signal id stays, so the ledger still
 * decides each signal once.
 */
export async function runHealthProbe(deps: HealthDeps): Promise<{ services: number; alarms: number; recovered: number; errors: string[] }> {
  const now = deps.clock.now();
  const at = now.toISOString();
  const services = await deps.store.listAllServices();
  let alarms = 0;
  let recovered = 0;
  const errors: string[] = [];
  const nodesByCluster = new Map<string, NodeInfo[]>();

  for (const service of services) {
    try {
      const cluster = await resolveCluster(deps.store, service.spec.cluster);
      if (!cluster) continue;
      const client = await deps.clusters.forCluster(cluster);
      if (!nodesByCluster.has(cluster.id)) nodesByCluster.set(cluster.id, await client.listNodes());
      const pods = await client.listPods(service.spec.namespace, `${LABELS.service}=${service.name}`);
      const memoryDoc = await deps.store.getDocument<ServiceHealthMemory>(...HEALTH_DOCS.service(service.name));
      const memory = memoryDoc?.value ?? emptyMemory();

      let metrics: { requests: number; errorRate: number; anomalous: boolean } | undefined;
      const detectors = { ...memory.detectors };
      try {
        const m = await deps.metrics.workloadMetrics(service.spec.namespace, workloadName(service.name, 'stable'), METRICS_WINDOW_SECONDS);
        const verdict = m.requests > 0 ? updateDetector(detectors.errorRate ?? createDetectorState(), m.errorRate, ERROR_RATE_DETECTOR) : undefined;
        if (verdict) detectors.errorRate = verdict.state;
        metrics = { requests: m.requests, errorRate: m.errorRate, anomalous: verdict?.anomalous ?? false };
      } catch {
        // No metrics is not a health problem of the service: judge it on its pods alone.
      }

      const findings = findProblems(service, pods, nodesByCluster.get(cluster.id)!, metrics);
      const alarming: Record<string, string> = {};
      const signals: HealthSignal[] = [];
      for (const f of findings) {
        const key = keyOf(service.name, f);
        const signal: HealthSignal = { id: `probe:${key}:${at}`, source: 'probe', service: service.name, namespace: service.spec.namespace, kind: f.kind, state: 'ALARM', track: f.track, node: f.node, value: f.value, threshold: f.threshold, observedAt: at, reason: f.reason };
        alarming[key] = signal.id;
        signals.push(signal);
      }
      for (const [key] of Object.entries(memory.alarming)) {
        if (alarming[key]) continue;
        const [, kind, track, node] = key.split('/');
        signals.push({ id: `probe:${key}:ok:${at}`, source: 'probe', service: service.name, namespace: service.spec.namespace, kind: kind as SignalKind, state: 'OK', track: track as SignalTrack, node, observedAt: at, reason: 'the condition has cleared' });
        recovered++;
      }
      for (const signal of signals) {
        await deps.queue.send({ id: envelopeIdFor(signal.id), type: 'health.alarm', service: service.name, occurredAt: at, correlationId: signal.id, schemaVersion: SCHEMA_VERSION, payload: { signal } });
      }
      for (const { signal } of Object.values(memory.deferred ?? {}).filter((d) => Date.parse(d.retryAfter) <= now.getTime())) {
        await deps.queue.send({ id: envelopeIdFor(`${signal.id}:redelivered:${at}`), type: 'health.alarm', service: service.name, occurredAt: at, correlationId: signal.id, schemaVersion: SCHEMA_VERSION, payload: { signal } });
      }
      alarms += findings.length;
      try {
        await deps.store.putDocument(HEALTH_DOCS.service(service.name)[0], service.name, { ...memory, alarming, detectors }, memoryDoc?.version ?? null);
      } catch (err) {
        // The alarm handler wrote the memory meanwhile; the next run reconciles.
        if (!(err instanceof VersionConflictError)) throw err;
      }
    } catch (err) {
      errors.push(`${service.name}: ${errorMessage(err)}`);
    }
  }
  return { services: services.length, alarms, recovered, errors };
}

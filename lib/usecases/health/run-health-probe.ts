import { signalKey, type HealthSignal, type SignalKind, type SignalTrack } from '../../health/health-signal.js';
import { ERROR_RATE_DETECTOR, createDetectorState, updateDetector } from '../../health/anomaly-detector.js';
import { emptyLedger, type RemediationLedger } from '../../health/remediation-ledger.js';
import { errorMessage } from '../../errors.js';
import { LABELS, MANAGED_BY, workloadName } from '../../mesh/labels.js';
import type { ClusterRegistration } from '../../model/cluster.js';
import { SCHEMA_VERSION } from '../../model/events.js';
import type { ServiceRecord } from '../../model/records.js';
import type { NodeInfo, PodInfo } from '../../ports/cluster-client.js';
import { resolveCluster } from '../shared/resolve-cluster.js';
import { auditEvent, mutateService } from '../shared/mutate.js';
import { emptyMemory, HEALTH_DOCS, type HealthDeps, type ServiceHealthMemory } from './health-deps.js';
import { updateHealthMemory } from './health-memory.js';
import { mapWithConcurrency } from './map-with-concurrency.js';
import { evacuatedRecently, nodesToStopAvoiding, placementWithout } from './recovered-nodes.js';
import { envelopeIdFor } from './submit-signal.js';

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
export function findProblems(
  service: ServiceRecord,
  pods: PodInfo[],
  nodes: NodeInfo[],
  metrics?: { requests: number; errorRate: number; anomalous: boolean },
): Finding[] {
  const findings: Finding[] = [];
  const trackOf = (p: PodInfo): SignalTrack => (p.labels[LABELS.track] === 'canary' ? 'canary' : 'stable');
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
    const pending = mine.filter((p) => p.phase === 'Pending' && !p.node);
    if (pending.length) findings.push({ kind: 'pending', track, value: pending.length, reason: `${pending.length} ${track} pod(s) cannot be scheduled` });
  }
  const notReadyNodes = new Set(nodes.filter((n) => !n.ready).map((n) => n.name));
  for (const node of [...new Set(pods.filter((p) => p.node && notReadyNodes.has(p.node)).map((p) => p.node!))].sort())
    findings.push({ kind: 'nodeNotReady', node, reason: `node ${node} is NotReady and runs pods of ${service.name}` });
  const readyStable = pods.filter((p) => trackOf(p) === 'stable' && p.ready).length;
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

const keyOf = (service: string, f: Pick<Finding, 'kind' | 'track' | 'node'>) => `${signalKey({ service, kind: f.kind, track: f.track })}${f.node ? `/${f.node}` : ''}`;

/**
 * Services probed at once. Each takes ~4 sequential calls (memory, metrics, queue, memory write): in
 * series the tail of a large fleet was never reached within the Lambda timeout; 8 keeps a few hundred
 * services within seconds without bursting the store, Prometheus or the queue.
 */
const PROBE_CONCURRENCY = 8;

/** What the probe reads once per cluster per run: its nodes, and meshplane's pods by owning service. */
interface ClusterSnapshot {
  nodes: NodeInfo[];
  /** Pods by `<namespace>/<service>` (the service's ownership label). */
  pods: Map<string, PodInfo[]>;
}

const podsKey = (namespace: string, service: string) => `${namespace}/${service}`;

async function readCluster(deps: HealthDeps, cluster: ClusterRegistration): Promise<ClusterSnapshot> {
  const client = await deps.clusters.forCluster(cluster);
  const [nodes, pods] = await Promise.all([client.listNodes(), client.listPods(undefined, `${LABELS.managedBy}=${MANAGED_BY}`)]);
  const byService = new Map<string, PodInfo[]>();
  for (const pod of pods) {
    const owner = pod.labels[LABELS.service];
    if (owner === undefined) continue;
    const key = podsKey(pod.namespace, owner);
    const group = byService.get(key);
    if (group) group.push(pod);
    else byService.set(key, [pod]);
  }
  return { nodes, pods: byService };
}

/**
 * The snapshot of a service's cluster (undefined: no cluster registered, state only), each cluster read
 * once per run however many services share it. A failed read fails every service on that cluster.
 */
function clusterSnapshots(deps: HealthDeps): (clusterName: string | undefined) => Promise<ClusterSnapshot | undefined> {
  const resolved = new Map<string, Promise<ClusterRegistration | undefined>>();
  const snapshots = new Map<string, Promise<ClusterSnapshot>>();
  return async (clusterName) => {
    const name = clusterName ?? '';
    if (!resolved.has(name)) resolved.set(name, resolveCluster(deps.store, clusterName));
    const cluster = await resolved.get(name)!;
    if (!cluster) return undefined;
    if (!snapshots.has(cluster.id)) snapshots.set(cluster.id, readCluster(deps, cluster));
    return snapshots.get(cluster.id)!;
  };
}

/**
 * The scheduled health probe: reads every service's pods, nodes and metrics, sends an ALARM signal for
 * each problem it sees (again on every run while it lasts: that is what confirms it) and an OK when a
 * problem it reported has cleared. Signals go through the health queue like CloudWatch alarms do.
 * It also re-sends the deferred signals of one-shot sources whose `retryAfter` has come (see
 * ServiceHealthMemory.deferred), under a new deduplication id: the signal id stays, so the ledger still
 * decides each signal once. And it lets services use again the nodes remediation moved them off once
 * those are Ready again (or gone) and the evacuation is older than the escalation window.
 *
 * Each cluster's nodes and meshplane's pods are listed once per run; services are probed
 * {@link PROBE_CONCURRENCY} at a time. A failure on one service is reported and the others go on.
 */
export async function runHealthProbe(deps: HealthDeps): Promise<{ services: number; alarms: number; recovered: number; errors: string[] }> {
  const now = deps.clock.now();
  const services = await deps.store.listAllServices();
  const snapshotFor = clusterSnapshots(deps);
  const errors: string[] = [];
  // Recent evacuations hold their nodes; without the ledger nothing is released this run.
  let ledger: RemediationLedger | undefined;
  try {
    ledger = (await deps.store.getDocument<RemediationLedger>(...HEALTH_DOCS.ledger))?.value ?? emptyLedger();
  } catch (err) {
    errors.push(`remediation ledger: ${errorMessage(err)}; avoided nodes are kept this run`);
  }
  const outcomes = await mapWithConcurrency(services, PROBE_CONCURRENCY, async (service) => {
    try {
      const snapshot = await snapshotFor(service.spec.cluster);
      if (!snapshot) return { alarms: 0, recovered: 0 };
      const outcome = await probeService(deps, service, snapshot, now);
      if (ledger && !evacuatedRecently(ledger, service.name, deps.remediationPolicy, now)) await stopAvoidingRecoveredNodes(deps, service, snapshot.nodes);
      return outcome;
    } catch (err) {
      return { alarms: 0, recovered: 0, error: `${service.name}: ${errorMessage(err)}` };
    }
  });
  return {
    services: services.length,
    alarms: outcomes.reduce((sum, o) => sum + o.alarms, 0),
    recovered: outcomes.reduce((sum, o) => sum + o.recovered, 0),
    errors: [...errors, ...outcomes.flatMap((o) => ('error' in o && o.error ? [o.error] : []))],
  };
}

async function probeService(deps: HealthDeps, service: ServiceRecord, cluster: ClusterSnapshot, now: Date): Promise<{ alarms: number; recovered: number }> {
  const at = now.toISOString();
  const pods = cluster.pods.get(podsKey(service.spec.namespace, service.name)) ?? [];
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

  const findings = findProblems(service, pods, cluster.nodes, metrics);
  const alarming: Record<string, string> = {};
  const signals: HealthSignal[] = [];
  for (const f of findings) {
    const key = keyOf(service.name, f);
    const signal: HealthSignal = { id: `probe:${key}:${at}`, source: 'probe', service: service.name, namespace: service.spec.namespace, kind: f.kind, state: 'ALARM', track: f.track, node: f.node, value: f.value, threshold: f.threshold, observedAt: at, reason: f.reason };
    alarming[key] = signal.id;
    signals.push(signal);
  }
  let recovered = 0;
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
  // The alarm handler may have written the memory meanwhile: keep its fields, replace only the probe's.
  await updateHealthMemory(deps, service.name, (fresh) => ({ ...fresh, alarming, detectors }), { doc: memoryDoc });
  return { alarms: findings.length, recovered };
}

/**
 * Lets the service use again the avoided nodes that are Ready again or gone, with an audit event for
 * each (the caller has checked that no recent evacuation holds them).
 */
async function stopAvoidingRecoveredNodes(deps: HealthDeps, service: ServiceRecord, nodes: NodeInfo[]): Promise<void> {
  if (nodesToStopAvoiding(service.placement?.avoidNodes, nodes).length === 0) return;
  await mutateService(deps, service.name, (svc) => {
    const released = nodesToStopAvoiding(svc.placement?.avoidNodes, nodes);
    if (!svc.placement || released.length === 0) return undefined;
    return {
      record: { ...svc, placement: placementWithout(svc.placement, released.map((r) => r.node)) },
      events: released.map(({ node, why }) =>
        auditEvent(deps, svc.name, 'NodeNoLongerAvoided', why === 'ready' ? `node ${node} is Ready again; no longer avoided` : `node ${node} no longer exists; no longer avoided`, { node, why }),
      ),
    };
  });
}

import { ERROR_RATE_DETECTOR, createDetectorState, updateDetector } from '../../health/anomaly-detector.js';
import { findProblems, type ProbeMetrics } from '../../health/find-problems.js';
import { buildProbeSignals } from '../../health/probe-signals.js';
import { emptyLedger, type RemediationLedger } from '../../health/remediation-ledger.js';
import { errorMessage } from '../../errors.js';
import { workloadName } from '../../mesh/labels.js';
import type { ServiceRecord } from '../../model/records.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { ClusterStore } from '../../ports/cluster-store.js';
import type { DocumentStore } from '../../ports/document-store.js';
import type { ServiceStore } from '../../ports/service-store.js';
import { clusterSnapshots, ownerKey, type ClusterSnapshot, type SnapshotResult } from './cluster-snapshots.js';
import { isMultiCluster, serviceClusterIds } from '../../model/service-clusters.js';
import { deleteOrphans } from './delete-orphans.js';
import { emptyMemory, HEALTH_DOCS, type HealthDeps, type ServiceHealthMemory } from './health-deps.js';
import { updateHealthMemory } from './health-memory.js';
import { mapWithConcurrency } from './map-with-concurrency.js';
import { reconcileService } from './reconcile-service.js';
import { recordObservedNodes } from './record-observed-nodes.js';
import { evacuatedRecently } from './recovered-nodes.js';
import { stopAvoidingRecoveredNodes } from './release-recovered-nodes.js';
import { sendProbeSignals } from './send-probe-signals.js';

const METRICS_WINDOW_SECONDS = 60;

/**
 * Services probed at once. Each takes ~4 sequential calls (memory, metrics, queue, memory write): in
 * series the tail of a large fleet was never reached within the Lambda timeout; 8 keeps a few hundred
 * services within seconds without bursting the store, Prometheus or the queue.
 */
const PROBE_CONCURRENCY = 8;

export interface HealthProbeResult {
  services: number;
  alarms: number;
  recovered: number;
  /** Services whose desired state was re-applied (drift repaired). */
  reapplied: number;
  errors: string[];
}

/**
 * The scheduled health probe, per service:
 * 1. reconcile (reconcile-service.ts): desired state (store) against the cluster, re-applied on drift,
 *    and the observed status recorded;
 * 2. health: pods, nodes and metrics judged (lib/health/find-problems.ts), an ALARM signal for each
 *    problem and an OK when one has cleared (lib/health/probe-signals.ts), sent through the health queue
 *    with the deferred signals that are due (send-probe-signals.ts);
 * 3. objects a deregistered service left behind are deleted (delete-orphans.ts);
 * 4. nodes remediation moved the service off are used again once Ready (or gone) and the evacuation is
 *    older than the escalation window (release-recovered-nodes.ts);
 * 5. each cluster's nodes are recorded (record-observed-nodes.ts), for the alarm intake's zone evacuations.
 *
 * Each cluster is read once per run (cluster-snapshots.ts); services are probed
 * {@link PROBE_CONCURRENCY} at a time. A failure on one service is reported and the others go on.
 */
export async function runHealthProbe(deps: HealthDeps<ServiceStore & ClusterStore & DocumentStore & AuditLog>): Promise<HealthProbeResult> {
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
      const cells = isMultiCluster(service.spec) ? await Promise.all(serviceClusterIds(service.spec).map((id) => snapshotFor(id))) : undefined;
      const cluster = cells ? cells.find((c) => c && 'error' in c) : await snapshotFor(service.spec.cluster);
      const memoryDoc = await deps.store.getDocument<ServiceHealthMemory>(...HEALTH_DOCS.service(service.name));
      const memory = memoryDoc?.value ?? emptyMemory();
      const reconciled = await reconcileService(deps, service, services, cells ?? cluster, memory.reconcile ?? {}, now);
      // A service in several clusters is judged on its pods and nodes in all of them together.
      const snapshot = cells ? mergedSnapshot(cells) : cluster && 'snapshot' in cluster ? cluster.snapshot : undefined;
      const health = snapshot ? await judgeService(deps, service, memory, snapshot, now) : undefined;
      // The alarm handler may have written the memory meanwhile: keep its fields, replace only the probe's.
      await updateHealthMemory(
        deps,
        service.name,
        (fresh) => ({ ...fresh, ...(health ? { alarming: health.alarming, detectors: health.detectors } : {}), reconcile: reconciled.memory }),
        { doc: memoryDoc },
      );
      if (snapshot && ledger && !evacuatedRecently(ledger, service.name, deps.remediationPolicy, now))
        await stopAvoidingRecoveredNodes(deps, service, snapshot.nodes);
      const unreadable = cluster && 'error' in cluster ? `${service.name}: ${cluster.error}` : undefined;
      const error = [unreadable, reconciled.error && `${service.name}: ${reconciled.error}`].filter(Boolean).join('; ') || undefined;
      return { alarms: health?.alarms ?? 0, recovered: health?.recovered ?? 0, reapplied: reconciled.reapplied ? 1 : 0, error };
    } catch (err) {
      return { alarms: 0, recovered: 0, reapplied: 0, error: `${service.name}: ${errorMessage(err)}` };
    }
  });
  // Every registered cluster is read, also those no live service names: a deregistration that crashed
  // after its commit may have left objects in a cluster with no service left, and only this finds them.
  try {
    await Promise.all((await deps.store.listClusters()).map((cluster) => snapshotFor(cluster.id)));
  } catch (err) {
    errors.push(`clusters: ${errorMessage(err)}`);
  }
  const read = await snapshotFor.read();
  errors.push(...(await deleteOrphans(deps, read, services)));
  errors.push(...(await recordObservedNodes(deps, read, now)));
  const sum = (pick: (o: (typeof outcomes)[number]) => number) => outcomes.reduce((total, o) => total + pick(o), 0);
  return {
    services: services.length,
    alarms: sum((o) => o.alarms),
    recovered: sum((o) => o.recovered),
    reapplied: sum((o) => o.reapplied),
    errors: [...errors, ...outcomes.flatMap((o) => (o.error ? [o.error] : []))],
  };
}

/** Judges one service's health from the snapshot and its metrics and sends the signals. */
async function judgeService(
  deps: Pick<HealthDeps, 'metrics' | 'queue'>,
  service: ServiceRecord,
  memory: ServiceHealthMemory,
  cluster: ClusterSnapshot,
  now: Date,
) {
  const pods = cluster.pods.get(ownerKey(service.spec.namespace, service.name)) ?? [];
  let metrics: ProbeMetrics | undefined;
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
  const { signals, alarming, recovered } = buildProbeSignals(service, findings, memory.alarming, now.toISOString());
  await sendProbeSignals(deps, service.name, signals, memory.deferred, now);
  return { alarms: findings.length, recovered, alarming, detectors };
}

/** The snapshots of a service's clusters as one (nodes and pods of all that answered); undefined when none did. */
function mergedSnapshot(cells: SnapshotResult[]): ClusterSnapshot | undefined {
  const read = cells.flatMap((c) => (c && 'snapshot' in c ? [c.snapshot] : []));
  if (!read.length) return undefined;
  const pods = new Map<string, ClusterSnapshot['pods'] extends Map<string, infer P> ? P : never>();
  const objects = new Map<string, ClusterSnapshot['objects'] extends Map<string, infer O> ? O : never>();
  for (const snapshot of read) {
    for (const [key, list] of snapshot.pods) pods.set(key, [...(pods.get(key) ?? []), ...list]);
    for (const [key, list] of snapshot.objects) objects.set(key, [...(objects.get(key) ?? []), ...list]);
  }
  return { nodes: read.flatMap((s) => s.nodes), pods, objects };
}

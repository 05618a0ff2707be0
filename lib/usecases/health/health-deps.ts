import type { ReconcileMemory } from '../../health/decide-reconcile.js';
import type { RemediationPolicy } from '../../health/remediation-policy.js';
import type { AlarmTags } from '../../ports/alarm-tags.js';
import type { ClusterClientFactory } from '../../ports/cluster-client.js';
import type { MetricsSource } from '../../ports/metrics-source.js';
import type { CoreDeps } from '../deps.js';
import type { ServiceConverger } from '../../ports/service-converger.js';
import type { StateStore } from '../../ports/state-store.js';

/**
 * What deciding and carrying out a remediation needs: the store, the queues and a converger, never a
 * cluster. The alarm intake decides from what the probe last observed (the observed documents) and its
 * converger queues a `service.converge` for the cluster side (see convergeLater).
 */
export interface RemediationDeps<Store = StateStore> extends CoreDeps<Store> {
  converger: ServiceConverger;
  remediationPolicy: RemediationPolicy;
  /** Reads alarm tags, the third way to map an alarm to a service; absent: tags are not consulted. */
  alarmTags?: AlarmTags;
}

/** The health probe's needs: remediation's, plus the clusters it reads and the metrics it judges; `Store` as in CoreDeps. */
export interface HealthDeps<Store = StateStore> extends RemediationDeps<Store> {
  clusters: ClusterClientFactory;
  metrics: MetricsSource;
}

/** Document kinds the health use cases keep (see StateStore.getDocument). */
export const HEALTH_DOCS = {
  /** The global remediation ledger: the global rate-limit bucket (and what ledgers written before the shards kept there). */
  ledger: ['health-ledger', 'global'] as const,
  /** Per service: its part of the ledger (seen ids, actions, bucket, pending actions; see SeenShard). */
  shard: (name: string) => ['health-seen', name] as const,
  /** Per service: recent signals and the probe's memory. */
  service: (name: string) => ['health', name] as const,
};

export interface ServiceHealthMemory {
  recentSignals: import('../../health/health-signal.js').HealthSignal[];
  /** What the probe reported ALARM for last time (signal key → signal id), to send OK when it clears. */
  alarming: Record<string, string>;
  /** Detector states by series (errorRate, latency). */
  detectors: Record<string, import('../../health/anomaly-detector.js').DetectorState>;
  /**
   * Signals from one-shot sources (a CloudWatch alarm sends one event per state change, an API caller
   * may send once) whose decision was deferred, by signal id: the probe re-sends each at `retryAfter`,
   * so an alarm that persists is confirmed. Absent in memories written before it existed.
   */
  deferred?: Record<string, DeferredSignal>;
  /**
   * Actions charged but not carried out yet, by signal id, as memories kept them before they moved to the
   * service's shard (SeenShard.pendingActions, committed with the charge): still carried out on a
   * redelivery and cleared once run; nothing new is written here.
   */
  pendingActions?: Record<string, PendingAction>;
  /**
   * The last `none` outcome decided per condition (signal key, plus node): an outcome that only a person
   * changes (exhausted, noSafeAction, …) is written to the audit trail once per episode. Absent in older memories.
   */
  skipped?: Record<string, string>;
  /** The open escalation to a person, if any (lib/health/escalation.ts). */
  escalation?: import('../../health/escalation.js').Escalation;
  /** The level-based reconcile's episode and backoff state (see reconcile-service.ts). Absent in older memories. */
  reconcile?: ServiceReconcileMemory;
}

/** An action waiting to be carried out (see SeenShard.pendingActions). */
export type PendingAction = import('../../health/remediation-ledger.js').PendingAction;

export interface DeferredSignal {
  signal: import('../../health/health-signal.js').HealthSignal;
  retryAfter: string;
}

export const emptyMemory = (): ServiceHealthMemory => ({ recentSignals: [], alarming: {}, detectors: {}, deferred: {}, pendingActions: {} });

/** The reconcile's memory of one service: its episode and backoff, and the observed document's version. */
export interface ServiceReconcileMemory extends ReconcileMemory {
  /** Where the service's pods ran and which lost nodes were reported (lib/health/node-loss.ts). */
  nodeLoss?: import('../../health/node-loss.js').NodeLossMemory;
  /** Version of the service's observed-status document last written (saves a read per probe). */
  observedVersion?: number;
  /** A service in several clusters: the reconcile's memory in each of them, by cluster id. */
  cells?: Record<string, ServiceReconcileMemory>;
}

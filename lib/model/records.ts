import type { ServiceSpec } from './service-spec.js';
import type { EventEnvelope } from './events.js';
import type { LocalityRouting } from './locality-routing.js';

/**
 * What meshplane stores. These are plain data: the state store adapter maps them to items, use cases
 * decide on them, the API returns them.
 */

export type ServicePhase = 'active' | 'failed' | 'deleted';

export interface ServiceRecord {
  name: string;
  spec: ServiceSpec;
  /** Optimistic-concurrency version: bumped on every write of this record. */
  version: number;
  /** Bumped whenever the spec changes; every revision is kept. */
  revision: number;
  /**
   * The revision that last changed what the pods run (image, ports, resources, env, probes). It labels
   * the pods, so a change that only touches routing or rollout policy does not restart them.
   */
  podRevision?: number;
  phase: ServicePhase;
  /** Why the last change failed, when phase is `failed`. */
  reason?: string;
  createdAt: string;
  updatedAt: string;
  lastOperationId: string;
  /** Traffic state of a running rollout: the canary the cluster must keep, and its share. */
  traffic?: TrafficState;
  /** Node affinity chosen by the placement optimizer for the stable pods. */
  placement?: PlacementState;
  /** Set to restart the pods (remediation), like `kubectl rollout restart`. */
  restartedAt?: string;
  /** How callers spread calls to this service over zones, as the optimizer last decided (rendered unless the spec fixes a policy). */
  routing?: RoutingState;
}

/** An optimizer run's routing decision for calls to one service, with the regions of the zones it names. */
export interface RoutingState extends LocalityRouting {
  /** The optimizer run that decided it. */
  runId: string;
  /** Region of each zone (node label `topology.kubernetes.io/region`), as the run read the nodes. */
  regions?: Record<string, string>;
}

export interface TrafficState {
  deploymentId: string;
  canaryImage: string;
  canaryReplicas: number;
  canaryWeight: number;
  /**
   * The revision the canary's pods are labelled with, fixed when the rollout starts: a revision bump
   * during the rollout (the promotion itself, a PUT, a scale-out) must not restart the canary pods.
   */
  canaryRevision?: number;
  /** Blue/green: a preview Service selects the new pods. */
  preview?: boolean;
  /** Set once the promotion has made the new image stable (traffic is moved back next). */
  promotedRevision?: number;
  /**
   * A multi-cluster rollout: the clusters of the wave being released, which carry `canaryReplicas` and
   * `canaryWeight`. Absent: every cluster of the service does (single-cluster rollouts).
   */
  wave?: string[];
  /** Clusters of earlier waves: they keep the new version at these values while later waves are released. */
  released?: Record<string, { canaryWeight: number; canaryReplicas: number }>;
}

export interface PlacementState {
  /** The optimizer run (or remediation) that chose it. */
  runId: string;
  requiredNodes?: string[];
  /** Nodes remediation moved the service off. */
  avoidNodes?: string[];
  preferredNodes?: { node: string; weight: number }[];
}

export interface RevisionRecord {
  service: string;
  revision: number;
  spec: ServiceSpec;
  createdAt: string;
  operationId: string;
}

export type OperationKind = 'register' | 'update' | 'deregister' | 'deploy' | 'promote' | 'abort' | 'rollback' | 'alarm' | 'optimize' | 'release';
export type OperationStatus = 'pending' | 'succeeded' | 'failed';

export interface OperationRecord {
  id: string;
  kind: OperationKind;
  service: string;
  status: OperationStatus;
  reason?: string;
  result?: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  /**
   * When a pending operation is failed by the sweep at the latest (ISO time): the bound of its kind, set
   * when it is accepted (see lib/usecases/shared/operation-deadline.ts). Absent on older operations.
   */
  deadline?: string;
  /** The last error of an attempt that failed and will be retried; quoted when the operation is given up. */
  lastError?: string;
  /**
   * The event that carries the operation, kept until the enqueue is confirmed (a transactional outbox):
   * if the process dies between recording the operation and enqueueing, the sweep sends it at `resendAt`.
   */
  outbox?: OperationOutbox;
}

export interface OperationOutbox {
  event: EventEnvelope;
  /** When the sweep sends `event` if the enqueue has not been confirmed by then (ISO time). */
  resendAt: string;
}

export interface AuditEvent {
  service: string;
  id: string;
  at: string;
  type: string;
  message: string;
  operationId?: string;
  data?: Record<string, unknown>;
}

export type DeploymentStatus = 'pending' | 'running' | 'paused' | 'promoted' | 'rolledBack' | 'aborted' | 'superseded' | 'failed';

export interface DeploymentStepRecord {
  index: number;
  weight: number;
  startedAt: string;
  finishedAt?: string;
  verdict?: 'pass' | 'fail' | 'inconclusive';
  metrics?: Record<string, unknown>;
  reasons?: string[];
}

/** One wave of a multi-cluster deployment, as the deployment record keeps it. */
export interface DeploymentWaveRecord {
  index: number;
  clusters: string[];
  /** `running`: its steps are under way; `baking`: released, analysed for `rollout.bakeSeconds`; `released`: baked, the next wave may start. */
  status: 'pending' | 'running' | 'baking' | 'released' | 'rolledBack';
  startedAt?: string;
  /** When its last step (or blue/green switch) passed. */
  passedAt?: string;
  /** When its bake ended and the next wave (or the promotion) could start. */
  releasedAt?: string;
  /** The steps of this wave (the deployment's `steps` show the wave under way). */
  steps?: DeploymentStepRecord[];
  /** The bake's analyses so far: the released clusters judged on the new version. */
  bake?: { analyses: number; observedSeconds: number; verdict?: 'pass' | 'fail' | 'inconclusive'; reasons?: string[]; metrics?: Record<string, unknown> };
}

export interface DeploymentRecord {
  id: string;
  service: string;
  image: string;
  status: DeploymentStatus;
  strategy: 'canary' | 'blueGreen';
  /** The revision that was stable when the deployment started. */
  fromRevision: number;
  /** The revision the promotion created. */
  toRevision?: number;
  /** When set, a user asked to promote past a manual gate or to abort. */
  requested?: 'promote' | 'abort';
  /**
   * Why the new version was rejected, recorded (with `requested: abort`) before the rollback touches the
   * cluster: from then on no execution of this deployment promotes it, even after a restart.
   */
  rejection?: string;
  currentStep?: number;
  currentWeight?: number;
  steps: DeploymentStepRecord[];
  reason?: string;
  rolloutOverride?: Record<string, unknown>;
  /** A rollback deployment: the revision whose spec it restores. */
  baseRevision?: number;
  /** A multi-cluster deployment's waves, in order (absent for a single-cluster service). */
  waves?: DeploymentWaveRecord[];
  /** Index of the wave under way. */
  currentWave?: number;
  operationId: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  nextCursor?: string;
}

export interface PageRequest {
  limit: number;
  cursor?: string;
}

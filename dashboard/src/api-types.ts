/**
 * The shapes the dashboard reads from the meshplane HTTP API: the fields it uses, no more. Where the API
 * answers a plain model record it takes the record's type (types only: the bundle takes no server code);
 * the other shapes are its own, and test/dashboard/api-contract.ts checks at typecheck that what the API
 * answers (the server's types) still fits them.
 */
import type { DeploymentStepRecord, DeploymentWaveRecord } from '../../lib/model/records.js';

export interface MeshPod {
  name: string;
  node?: string;
  zone?: string;
  ready: boolean;
  track?: string;
  waitingReason?: string;
}

export type Health = 'healthy' | 'degraded' | 'unavailable' | 'failed' | 'unknown';

export interface MeshService {
  name: string;
  namespace: string;
  cluster?: string;
  phase: string;
  image: string;
  revision: number;
  replicas: number;
  cpu: number;
  memory: number;
  health: Health;
  readyReplicas?: number;
  podsPerZone?: Record<string, number>;
  pods?: MeshPod[];
  statusError?: string;
  observedAgeSeconds?: number;
  rollout?: { deploymentId: string; canaryImage: string; canaryWeight: number; canaryReplicas: number };
}

export interface MeshEdge {
  from: string;
  to: string;
  /** Declared as a dependency, observed by the mesh, or both. */
  source: 'declared' | 'observed' | 'both';
  /** 0 for an edge only observed. */
  declaredRps: number;
  /** What the callers' proxies reported over the last window (MeshView.traffic says when). */
  observed?: { rps: number; errorRate: number; p99LatencyMs?: number; crossZoneShare?: number };
  crossZoneShare?: number;
  crossZoneShareFrom?: 'observed' | 'placement';
  dollarsPerMonth?: number;
}

export interface MeshView {
  services: MeshService[];
  edges: MeshEdge[];
  nodes: { cluster: string; name: string; zone: string; ready: boolean }[];
  /** When the health probe recorded the observed edge figures. */
  traffic?: { observedAt?: string; ageSeconds?: number; windowSeconds?: number; problems?: string[]; omitted?: number };
  generatedAt: string;
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

/** A rollout step and a multi-cluster wave are shown as the deployment record keeps them (pure data types). */
export type DeploymentStep = DeploymentStepRecord;
export type DeploymentWave = DeploymentWaveRecord;

export interface Deployment {
  id: string;
  service: string;
  image: string;
  status: string;
  strategy: 'canary' | 'blueGreen';
  fromRevision: number;
  toRevision?: number;
  requested?: string;
  /** The rollout policy the deploy request gave (steps, analysis), when it gave one. */
  rolloutOverride?: RolloutPolicy;
  currentStep?: number;
  currentWeight?: number;
  steps: DeploymentStep[];
  /** A multi-cluster deployment's waves, in order; absent for a service in one cluster. */
  waves?: DeploymentWave[];
  currentWave?: number;
  reason?: string;
  createdAt: string;
  updatedAt: string;
}

export interface RolloutPolicy {
  steps?: { weight: number; gate?: string; pauseSeconds?: number }[];
  analysis?: Record<string, number | string>;
  bakeSeconds?: number;
}

export interface ServiceView {
  name: string;
  spec: Record<string, unknown> & { rollout?: RolloutPolicy };
  version: number;
  revision: number;
  phase: string;
  reason?: string;
  createdAt: string;
  updatedAt: string;
  /** What the reconcile last observed, or `{error}` (not observed yet). */
  status?: { readyReplicas?: number; desiredReplicas?: number; pods?: MeshPod[]; podsPerZone?: Record<string, number>; error?: string; ageSeconds?: number };
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export interface Cost {
  total: number;
  meanLatencyMs: number;
  dollarsPerMonth: number;
  trafficShare: Record<string, number>;
}

export interface PlannedMove {
  service: string;
  replicaIndex: number;
  fromNode: string;
  toNode: string;
  costDelta: number;
}

export interface OptimizerRun {
  id: string;
  status: string;
  dryRun: boolean;
  cluster?: string;
  solver: string;
  solveStatus?: string;
  gap?: number;
  solveTimeMs?: number;
  costBefore?: Cost;
  costAfterPlan?: Cost;
  moves: PlannedMove[];
  frozen: { service: string; reason: string }[];
  appliedMoves?: (PlannedMove & { outcome: string; pod?: string; landedOn?: string })[];
  reason?: string;
  startedAt: string;
  finishedAt: string;
}

/** A run as GET /v1/optimizer/runs lists it: counts in place of the moves. */
export type OptimizerRunSummary = Omit<OptimizerRun, 'gap' | 'solveTimeMs' | 'moves' | 'frozen' | 'appliedMoves'> & {
  dollarsPerMonthSaved?: number;
  moves: number;
  movedReplicas?: number;
  frozen: number;
};

export interface Operation {
  id: string;
  status: 'pending' | 'succeeded' | 'failed';
  reason?: string;
  result?: Record<string, unknown>;
}

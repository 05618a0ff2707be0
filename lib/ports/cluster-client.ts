import type { ClusterRegistration } from '../model/cluster.js';

export type { KubeObject } from '../model/kube-object.js';
import type { KubeObject } from '../model/kube-object.js';

export interface WorkloadStatus {
  name: string;
  namespace: string;
  generation: number;
  observedGeneration: number;
  desiredReplicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
}

export interface PodInfo {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  image: string;
  node?: string;
  zone?: string;
  phase: string;
  ready: boolean;
  restarts: number;
  /** e.g. CrashLoopBackOff, ImagePullBackOff */
  waitingReason?: string;
}

export interface NodeInfo {
  name: string;
  zone: string;
  ready: boolean;
  allocatableCpuMillis: number;
  allocatableMemoryMiB: number;
  labels: Record<string, string>;
}

/**
 * One Kubernetes cluster. Implementations translate API errors into ours: 429/5xx/timeouts are retried
 * with backoff and surface as TransientError; other 4xx surface as TerminalError.
 */
export interface ClusterClient {
  /** Server-side apply (field manager `meshplane`), in order. */
  apply(objects: KubeObject[]): Promise<void>;
  /** Deletes the objects owned by `service` (ownership label) in `namespace` that `keep` does not name. */
  prune(namespace: string, service: string, keep: KubeObject[]): Promise<number>;
  /** Deletes every object owned by `service` in `namespace`. */
  deleteService(namespace: string, service: string): Promise<number>;
  /** Merge-patches a Deployment (pod template annotations, affinity, replicas). */
  patchDeployment(namespace: string, name: string, patch: Record<string, unknown>): Promise<void>;
  getWorkloadStatus(namespace: string, name: string): Promise<WorkloadStatus | undefined>;
  listPods(namespace: string | undefined, labelSelector?: string): Promise<PodInfo[]>;
  listNodes(): Promise<NodeInfo[]>;
  /**
   * Every object meshplane manages (managed-by label), of every kind it renders, in every namespace: what
   * the reconcile compares with the rendered objects, one list per kind however many services there are.
   */
  listManagedObjects(): Promise<KubeObject[]>;
  /** Evicts one pod through the Eviction API (policy/v1), which honours PodDisruptionBudgets; its controller replaces it. */
  evictPod(namespace: string, name: string): Promise<EvictionOutcome>;
  /** Sets (string) or removes (null) labels on a node (merge patch). */
  labelNode(node: string, labels: Record<string, string | null>): Promise<void>;
}

/** What an eviction did: `blocked` when a PodDisruptionBudget refused it for now (HTTP 429), `gone` when the pod no longer exists. */
export type EvictionOutcome = 'evicted' | 'blocked' | 'gone';

export interface ClusterClientFactory {
  forCluster(cluster: ClusterRegistration): Promise<ClusterClient>;
}

/**
 * What the control plane last observed of a service in its cluster. The health probe's reconcile
 * writes it (document kind OBSERVED_STATUS_DOC, id = service name) each time it compares a service's
 * desired state with its cluster; the API serves it with its age instead of calling the cluster.
 */
export const OBSERVED_STATUS_DOC = 'observed';

/** Live state of a service in its cluster, when one is reachable. */
export interface ServiceStatus {
  desiredReplicas: number;
  readyReplicas: number;
  updatedReplicas: number;
  availableReplicas: number;
  podsPerZone: Record<string, number>;
  pods: ObservedPod[];
  /** For a service exposed outside the mesh (`spec.expose`): how, and where edge clients reach it. */
  exposure?: ServiceExposureStatus;
}

/**
 * A pod as last observed. Besides what the API shows, what the alarm intake's remediation decision needs
 * (it reads the store only, never a cluster): restarts, why a container waits, the revision it runs.
 */
export interface ObservedPod {
  name: string;
  node?: string;
  zone?: string;
  ready: boolean;
  phase: string;
  track?: string;
  /** Lifetime container restarts (absent in observations written before it was recorded). */
  restarts?: number;
  /** e.g. CrashLoopBackOff, ImagePullBackOff */
  waitingReason?: string;
  /** The meshplane revision label (`r3`) the pod runs. */
  revision?: string;
  /** A service in several clusters: the cluster the pod runs in. */
  cluster?: string;
}

/** A service in several clusters: its status in one of them (replicas ready per cluster and zone), or why it could not be read. */
export type CellStatus = { cluster: string } & (Omit<ServiceStatus, 'pods'> | { error: string });

/**
 * The nodes of a cluster as the health probe last read them (document kind OBSERVED_NODES_DOC, id =
 * cluster id): what evacuating a zone needs, read from the store.
 */
export const OBSERVED_NODES_DOC = 'observed-nodes';

export interface ObservedClusterNodes {
  nodes: { name: string; zone: string; ready: boolean }[];
  /** ISO time of the observation. */
  observedAt: string;
}

/**
 * Where edge clients reach an exposed service. `LoadBalancer`: the addresses the cloud assigned to its
 * Service (`status.loadBalancer.ingress`; empty while pending); `Gateway`: the host names the shared ingress
 * gateway serves it under.
 */
export interface ServiceExposureStatus {
  type: 'LoadBalancer' | 'Gateway';
  port: number;
  /** LoadBalancer: host names or IPs of its load balancer, empty until assigned. */
  addresses: string[];
  /** Gateway: the host names, and the path prefixes when limited. */
  hosts?: string[];
  paths?: string[];
}

/** The stored observation: a status, or why the cluster could not be read; always with its time. */
export type ObservedServiceStatus = (ServiceStatus | { error: string }) & {
  /** ISO time of the observation. */
  observedAt: string;
  /** The cluster it was read from. */
  cluster?: string;
  /** A service in several clusters: each cluster's status (the fields above then add them up). */
  clusters?: CellStatus[];
};

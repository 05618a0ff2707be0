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
  pods: { name: string; node?: string; zone?: string; ready: boolean; phase: string; track?: string }[];
  /** For a service exposed outside the mesh (`spec.expose`): how, and where edge clients reach it. */
  exposure?: ServiceExposureStatus;
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
};

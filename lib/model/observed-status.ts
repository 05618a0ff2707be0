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
}

/** The stored observation: a status, or why the cluster could not be read; always with its time. */
export type ObservedServiceStatus = (ServiceStatus | { error: string }) & {
  /** ISO time of the observation. */
  observedAt: string;
  /** The cluster it was read from. */
  cluster?: string;
};

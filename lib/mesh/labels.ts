/**
 * The contract between what meshplane renders and what reads it back (the cluster adapter's pruning,
 * the simulated cluster's traffic model, the health probe). Defined once.
 */
export const MANAGED_BY = 'meshplane';

export const LABELS = {
  app: 'app',
  track: 'track',
  version: 'version',
  managedBy: 'app.kubernetes.io/managed-by',
  /** The meshplane service that owns an object: pruning and deregistration select on it. */
  service: 'meshplane.io/service',
} as const;

export const ANNOTATIONS = {
  revision: 'meshplane.io/revision',
  specHash: 'meshplane.io/spec-hash',
  /** JSON `[{service, rps}]`: whom this workload calls and how much (drives simulated traffic). */
  dependencies: 'meshplane.io/dependencies',
  /** Set on a pod template to restart pods (like `kubectl rollout restart`). */
  restartedAt: 'meshplane.io/restarted-at',
  /** Set by the placement optimizer on a pod template, for the record. */
  placementRun: 'meshplane.io/placement-run',
} as const;

export type Track = 'stable' | 'canary' | 'preview';

/** Deterministic workload (Deployment) name for a service and track. */
export function workloadName(service: string, track: Track): string {
  return track === 'stable' ? service : `${service}-${track}`;
}

/**
 * Which objects meshplane owns in a cluster and which of them pruning deletes. Pure.
 */
import type { KubeObject } from '../../model/kube-object.js';
import { LABELS, MANAGED_BY } from '../../mesh/labels.js';

/** A kind meshplane renders, as the API server serves it. */
export interface ManagedKind {
  apiVersion: string;
  kind: string;
}

/**
 * Every kind meshplane renders, in the order owned objects are deleted: routing first (so Envoy stops
 * sending traffic before its destinations disappear), then policy, then the workload and its identity.
 */
export const MANAGED_KINDS_IN_DELETION_ORDER: readonly ManagedKind[] = Object.freeze([
  { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService' },
  { apiVersion: 'networking.istio.io/v1', kind: 'Gateway' },
  { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule' },
  { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy' },
  { apiVersion: 'networking.istio.io/v1', kind: 'Sidecar' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'v1', kind: 'ServiceAccount' },
]);

/** Label selector matching the objects `service` owns: both the ownership and the managed-by label. */
export function ownershipSelector(service: string): string {
  return `${LABELS.service}=${service},${LABELS.managedBy}=${MANAGED_BY}`;
}

/** True when the object carries both ownership labels for `service`. */
export function isOwnedBy(object: Pick<KubeObject, 'metadata'>, service: string): boolean {
  const labels = object.metadata.labels ?? {};
  return labels[LABELS.service] === service && labels[LABELS.managedBy] === MANAGED_BY;
}

/** Identity used to compare a live object with a rendered one. */
export function objectKey(object: Pick<KubeObject, 'kind' | 'metadata'>): string {
  return `${object.kind}/${object.metadata.name}`;
}

/**
 * The live objects to delete: those owned by `service` (checked again here, so a server that ignored
 * the label selector still cannot make us delete somebody else's object) that `keep` does not name.
 */
export function selectObjectsToPrune<T extends Pick<KubeObject, 'kind' | 'metadata'>>(
  live: readonly T[],
  service: string,
  keep: readonly Pick<KubeObject, 'kind' | 'metadata'>[],
): T[] {
  const kept = new Set(keep.map(objectKey));
  return live.filter((object) => isOwnedBy(object, service) && !kept.has(objectKey(object)));
}

/** Short human description, e.g. `Deployment shop/cart`. */
export function describeObject(object: { kind?: string; metadata?: { name?: string; namespace?: string } }): string {
  const namespace = object.metadata?.namespace;
  const name = object.metadata?.name ?? '<unnamed>';
  return `${object.kind ?? '<no kind>'} ${namespace ? `${namespace}/` : ''}${name}`;
}

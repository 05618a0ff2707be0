/** Metadata and names every rendered object shares, from the contract in `labels.ts`. */
import type { KubeObject } from '../model/kube-object.js';
import type { ServiceSpec } from '../model/service-spec.js';
import { LABELS, MANAGED_BY } from './labels.js';
import type { ServiceRef } from './render-context.js';

/** Labels on every object meshplane renders for a service: how it is found, pruned and deleted. */
export function ownershipLabels(service: string): Record<string, string> {
  return {
    [LABELS.app]: service,
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.service]: service,
  };
}

/** Metadata for one object of `spec`'s service: its name, the spec's namespace, ownership labels plus `labels`. */
export function objectMetadata(
  spec: ServiceSpec,
  name: string,
  extra: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): KubeObject['metadata'] {
  return {
    name,
    namespace: spec.namespace,
    labels: { ...ownershipLabels(spec.name), ...extra.labels },
    ...(extra.annotations ? { annotations: extra.annotations } : {}),
  };
}

/** In-cluster DNS name of a service: `<name>.<namespace>.svc.cluster.local`. */
export function serviceHost(ref: ServiceRef): string {
  return `${ref.name}.${ref.namespace}.svc.cluster.local`;
}

/** Sorts service references by namespace then name and drops duplicates. */
export function sortedUniqueRefs(refs: readonly ServiceRef[]): ServiceRef[] {
  const byKey = new Map<string, ServiceRef>();
  for (const ref of refs) byKey.set(`${ref.namespace}/${ref.name}`, { name: ref.name, namespace: ref.namespace });
  return [...byKey.keys()].sort().map((key) => byKey.get(key)!);
}

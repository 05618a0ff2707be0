/**
 * Reads the traffic model's inputs from the object store: workloads (with the zone of each ready pod),
 * VirtualServices, DestinationRules (with their locality settings) and the Services' trafficDistribution.
 */
import { ANNOTATIONS, LABELS } from '../mesh/labels.js';
import type { ObjectStore } from './object-store.js';
import { isPodReady, podImages } from './pod-model.js';
import { deploymentOwnerResolver } from './replicasets.js';
import { resourceType } from './resource-types.js';
import type { TrafficDestinationRule, TrafficVirtualService, TrafficWorkload } from './traffic-model.js';
import type { PodLocality, ServiceTrafficDistribution } from './zone-traffic.js';

type Obj = Record<string, any>;

const DEPLOYMENTS = resourceType('deployments', 'apps');
const PODS = resourceType('pods');
const VIRTUAL_SERVICES = resourceType('virtualservices', 'networking.istio.io');
const DESTINATION_RULES = resourceType('destinationrules', 'networking.istio.io');
const NODES = resourceType('nodes');
const SERVICES = resourceType('services');

/** Parses the dependencies annotation; a malformed one counts as no dependencies. */
export function parseDependencies(annotation: string | undefined): { service: string; rps: number }[] {
  if (!annotation) return [];
  try {
    const parsed: unknown = JSON.parse(annotation);
    if (!Array.isArray(parsed)) return [];
    return parsed
      .filter((d): d is { service: string; rps: number } => typeof d?.service === 'string' && typeof d?.rps === 'number' && d.rps >= 0)
      .map((d) => ({ service: d.service, rps: d.rps }));
  } catch {
    return [];
  }
}

export function trafficInputs(store: ObjectStore): {
  workloads: TrafficWorkload[];
  virtualServices: TrafficVirtualService[];
  destinationRules: TrafficDestinationRule[];
  serviceDistributions: ServiceTrafficDistribution[];
} {
  const readyByOwner = new Map<string, string[][]>();
  const localitiesByOwner = new Map<string, PodLocality[]>();
  const nodeLocality = new Map<string, PodLocality>();
  for (const node of store.scan(NODES)) {
    const labels = node.metadata.labels ?? {};
    nodeLocality.set(node.metadata.name, { region: labels['topology.kubernetes.io/region'] ?? '', zone: labels['topology.kubernetes.io/zone'] ?? '' });
  }
  const ownerOf = deploymentOwnerResolver(store);
  for (const pod of store.scan(PODS)) {
    const owner = ownerOf(pod);
    if (!owner || !isPodReady(pod)) continue;
    readyByOwner.set(owner, [...(readyByOwner.get(owner) ?? []), podImages(pod.spec as Obj)]);
    const locality = nodeLocality.get((pod.spec as Obj)?.nodeName) ?? { region: '', zone: '' };
    localitiesByOwner.set(owner, [...(localitiesByOwner.get(owner) ?? []), locality]);
  }
  const workloads = store.scan(DEPLOYMENTS).map((d): TrafficWorkload => {
    const template = ((d.spec as Obj)?.template ?? {}) as Obj;
    const podLabels: Record<string, string> = template.metadata?.labels ?? {};
    return {
      namespace: d.metadata.namespace ?? 'default',
      name: d.metadata.name,
      service: d.metadata.labels?.[LABELS.app] ?? podLabels[LABELS.app] ?? d.metadata.name,
      podLabels,
      readyPods: readyByOwner.get(d.metadata.uid as string) ?? [],
      readyPodLocalities: localitiesByOwner.get(d.metadata.uid as string) ?? [],
      dependencies: parseDependencies(d.metadata.annotations?.[ANNOTATIONS.dependencies]),
    };
  });
  const virtualServices = store.scan(VIRTUAL_SERVICES).map((v): TrafficVirtualService => {
    const spec = (v.spec ?? {}) as Obj;
    const route = ((spec.http?.[0]?.route ?? []) as Obj[]).map((r) => ({ host: r.destination?.host, subset: r.destination?.subset, weight: r.weight }));
    return { namespace: v.metadata.namespace ?? 'default', name: v.metadata.name, hosts: spec.hosts ?? [], route };
  });
  const destinationRules = store.scan(DESTINATION_RULES).map((d): TrafficDestinationRule => {
    const spec = (d.spec ?? {}) as Obj;
    const policy = (spec.trafficPolicy ?? {}) as Obj;
    return {
      namespace: d.metadata.namespace ?? 'default',
      host: spec.host ?? '',
      subsets: spec.subsets ?? [],
      ...(policy.loadBalancer?.localityLbSetting ? { localityLbSetting: policy.loadBalancer.localityLbSetting } : {}),
      outlierDetection: policy.outlierDetection !== undefined && policy.outlierDetection !== null,
    };
  });
  const serviceDistributions = store.scan(SERVICES).flatMap((svc): ServiceTrafficDistribution[] => {
    const value = (svc.spec as Obj | undefined)?.trafficDistribution;
    return typeof value === 'string' ? [{ namespace: svc.metadata.namespace ?? 'default', name: svc.metadata.name, trafficDistribution: value }] : [];
  });
  return { workloads, virtualServices, destinationRules, serviceDistributions };
}

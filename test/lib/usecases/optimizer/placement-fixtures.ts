/** Builders for the records, nodes and pods the optimizer reads, with small readable defaults. */
import { LABELS, MANAGED_BY } from '../../../../lib/mesh/labels.js';
import type { PlacementState, ServiceRecord, TrafficState } from '../../../../lib/model/records.js';
import { ServiceSpec, type ServiceSpecInput } from '../../../../lib/model/service-spec.js';
import type { NodeInfo, PodInfo } from '../../../../lib/ports/cluster-client.js';
import { minimalInput } from '../../../support/service-specs.js';

const AT = '2030-01-01T00:00:00.000Z';

/** A Ready node with 4000m / 16384 MiB unless overridden. */
export function node(name: string, zone: string, overrides: Partial<NodeInfo> = {}): NodeInfo {
  return { name, zone, ready: true, allocatableCpuMillis: 4000, allocatableMemoryMiB: 16384, labels: {}, ...overrides };
}

/** An active service record (version 1); `cpu`/`memory` are the per-replica requests (default 100m / 128 MiB). */
export function service(
  name: string,
  spec: Partial<ServiceSpecInput> & { cpu?: number; memory?: number } = {},
  extra: { traffic?: TrafficState; placement?: PlacementState } = {},
): ServiceRecord {
  const { cpu = 100, memory = 128, ...rest } = spec;
  return {
    name,
    spec: ServiceSpec.parse(minimalInput(name, { resources: { cpu, memory }, ...rest })),
    version: 1,
    revision: 1,
    phase: 'active',
    createdAt: AT,
    updatedAt: AT,
    lastOperationId: 'op-1',
    ...extra,
  };
}

let podCounter = 0;

/**
 * A pod of meshplane service `owner` on `nodeName` (Running when bound, Pending otherwise). With no
 * owner and `managed: false` it is someone else's pod.
 */
export function pod(
  owner: string | undefined,
  nodeName: string | undefined,
  options: { track?: string; phase?: string; managed?: boolean; namespace?: string } = {},
): PodInfo {
  const labels: Record<string, string> = {};
  if (options.managed ?? owner !== undefined) labels[LABELS.managedBy] = MANAGED_BY;
  if (owner) labels[LABELS.service] = owner;
  if (options.track) labels[LABELS.track] = options.track;
  return {
    name: `${owner ?? 'other'}-${++podCounter}`,
    namespace: options.namespace ?? 'default',
    labels,
    image: 'x:1',
    node: nodeName,
    phase: options.phase ?? (nodeName ? 'Running' : 'Pending'),
    ready: nodeName !== undefined,
    restarts: 0,
  };
}

/** A rollout that is running (canary at 10 %). */
export const RUNNING_ROLLOUT: TrafficState = { deploymentId: 'dep-7', canaryImage: 'x:2', canaryReplicas: 1, canaryWeight: 10 };

/** Reading the parts of Pod, Node and Deployment objects the simulated controllers act on. */
import { cpuMillis, memoryMiB } from './quantity.js';
import type { BoundPod, PodSchedulingSpec, SchedulingNode } from './scheduler.js';
import type { KubeObj } from './sim-types.js';

type Obj = Record<string, any>;

/** Sum of the containers' CPU (millicores) and memory (MiB) requests. */
export function podRequests(podSpec: Obj | undefined): { cpuMillis: number; memoryMiB: number } {
  let cpu = 0;
  let memory = 0;
  for (const c of (podSpec?.containers ?? []) as Obj[]) {
    const requests = c.resources?.requests ?? c.resources?.limits ?? {};
    cpu += cpuMillis(requests.cpu);
    memory += memoryMiB(requests.memory);
  }
  return { cpuMillis: cpu, memoryMiB: memory };
}

/** The scheduler's view of a pod. */
export function schedulingSpec(pod: KubeObj): PodSchedulingSpec {
  const spec = (pod.spec ?? {}) as Obj;
  const nodeAffinity = spec.affinity?.nodeAffinity;
  return {
    namespace: pod.metadata.namespace ?? 'default',
    labels: pod.metadata.labels ?? {},
    ...podRequests(spec),
    nodeSelector: spec.nodeSelector,
    requiredNodeTerms: nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms,
    preferredNodeTerms: nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
    topologySpreadConstraints: spec.topologySpreadConstraints,
    defaultSpreading: (pod.metadata.ownerReferences ?? []).some((r) => r.controller),
  };
}

/** A pod as it counts against its node's capacity; undefined when not bound. */
export function boundPod(pod: KubeObj): BoundPod | undefined {
  const nodeName = (pod.spec as Obj | undefined)?.nodeName;
  if (!nodeName) return undefined;
  return { namespace: pod.metadata.namespace ?? 'default', labels: pod.metadata.labels ?? {}, nodeName, ...podRequests(pod.spec as Obj) };
}

/** Whether a node object reports Ready=True. */
export function isNodeReady(node: KubeObj): boolean {
  return ((node.status as Obj | undefined)?.conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True');
}

/** The scheduler's view of a node. */
export function schedulingNode(node: KubeObj): SchedulingNode {
  const allocatable = (node.status as Obj | undefined)?.allocatable ?? {};
  return {
    name: node.metadata.name,
    labels: node.metadata.labels ?? {},
    ready: isNodeReady(node),
    unschedulable: Boolean((node.spec as Obj | undefined)?.unschedulable),
    allocatableCpuMillis: cpuMillis(allocatable.cpu ?? 0),
    allocatableMemoryMiB: memoryMiB(allocatable.memory ?? 0),
  };
}

/** Whether a pod reports Ready=True. */
export function isPodReady(pod: KubeObj): boolean {
  return ((pod.status as Obj | undefined)?.conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True');
}

/** Container images of a pod (or pod template) spec. */
export function podImages(podSpec: Obj | undefined): string[] {
  return ((podSpec?.containers ?? []) as Obj[]).map((c) => String(c.image ?? ''));
}

/** The uid of the Deployment that controls a pod, if any. */
export function controllingDeploymentUid(pod: KubeObj): string | undefined {
  return pod.metadata.ownerReferences?.find((r) => r.kind === 'Deployment' && r.controller !== false)?.uid;
}

/** RFC 3339 timestamp with second precision, as Kubernetes writes them. */
export function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** A condition list with one condition set; lastTransitionTime is kept when the status is unchanged. */
export function setCondition(conditions: Obj[] | undefined, next: Obj, now: number): Obj[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === next.type);
  const previous = index >= 0 ? list[index] : undefined;
  const unchanged = previous && previous.status === next.status && previous.reason === next.reason && previous.message === next.message;
  const merged = unchanged
    ? previous
    : { ...next, lastTransitionTime: previous && previous.status === next.status ? previous.lastTransitionTime : timestamp(now) };
  if (index >= 0) list[index] = merged;
  else list.push(merged);
  return list;
}

/**
 * Node lifecycle controller: mirrors injected node/zone outages onto Node objects (Ready condition and
 * the unreachable taint), marks the pods of a down node NotReady, and evicts them once the node has
 * been down for the eviction grace period so the deployment controller replaces them elsewhere.
 */
import type { FaultState } from './faults.js';
import type { ObjectStore } from './object-store.js';
import { isNodeReady, setCondition, timestamp } from './pod-model.js';
import { resourceType } from './resource-types.js';
import type { KubeObj } from './sim-types.js';

type Obj = Record<string, any>;

const NODES = resourceType('nodes');
const PODS = resourceType('pods');
const UNREACHABLE_TAINT = { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' };

export class NodeLifecycleController {
  private readonly downSince = new Map<string, number>();

  constructor(
    private readonly store: ObjectStore,
    private readonly faults: FaultState,
    private readonly evictionGraceMs: number,
  ) {}

  /** @param stamp wall-clock time for timestamps written into nodes and pods (default: `now`) */
  reconcile(now: number, stamp = now): void {
    for (const node of this.store.scan(NODES)) {
      const down = this.faults.isNodeDown(node.metadata.name);
      if (down && !this.downSince.has(node.metadata.name)) this.downSince.set(node.metadata.name, now);
      if (!down) this.downSince.delete(node.metadata.name);
      if (down === isNodeReady(node)) this.store.update(NODES, withReadiness(node, !down, stamp));
    }
    for (const [name, since] of this.downSince) {
      const evict = now - since >= this.evictionGraceMs;
      for (const pod of this.store.scan(PODS, { matches: (p) => (p.spec as Obj | undefined)?.nodeName === name })) {
        if (evict) this.store.delete(PODS, pod.metadata.namespace, pod.metadata.name);
        else this.markNotReady(pod, stamp);
      }
    }
  }

  private markNotReady(pod: KubeObj, now: number): void {
    const status = (pod.status ?? {}) as Obj;
    const conditions = setCondition(status.conditions, { type: 'Ready', status: 'False', reason: 'NodeNotReady', message: 'node is not ready' }, now);
    const containerStatuses = ((status.containerStatuses ?? []) as Obj[]).map((c) => ({ ...c, ready: false }));
    this.store.update(PODS, { ...pod, status: { ...status, conditions, containerStatuses } });
  }
}

function withReadiness(node: KubeObj, ready: boolean, now: number): KubeObj {
  const status = (node.status ?? {}) as Obj;
  const spec = (node.spec ?? {}) as Obj;
  const condition = ready
    ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: timestamp(now) }
    : { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: timestamp(now) };
  const taints = ((spec.taints ?? []) as Obj[]).filter((t) => t.key !== UNREACHABLE_TAINT.key);
  if (!ready) taints.push({ ...UNREACHABLE_TAINT, timeAdded: timestamp(now) });
  const nextSpec: Obj = { ...spec, taints };
  if (taints.length === 0) delete nextSpec.taints;
  return { ...node, spec: nextSpec, status: { ...status, conditions: setCondition(status.conditions, condition, now) } };
}

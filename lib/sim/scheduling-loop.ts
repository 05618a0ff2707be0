/**
 * The scheduler's control loop: binds each unbound pod (oldest first) to the node `schedulePod`
 * chooses, accounting for the pods bound earlier in the same pass, and marks pods that fit nowhere
 * PodScheduled=False/Unschedulable with kube-scheduler's message.
 */
import type { ObjectStore } from './object-store.js';
import { boundPod, schedulingNode, schedulingSpec, setCondition } from './pod-model.js';
import { resourceType } from './resource-types.js';
import { type BoundPod, schedulePod } from './scheduler.js';

type Obj = Record<string, any>;

const NODES = resourceType('nodes');
const PODS = resourceType('pods');

export class SchedulingLoop {
  constructor(private readonly store: ObjectStore) {}

  /** @param now wall-clock time for the conditions' timestamps */
  reconcile(_simNow: number, now = _simNow): void {
    const pods = this.store.scan(PODS);
    const pending = pods
      .filter((p) => !(p.spec as Obj | undefined)?.nodeName)
      .sort(
        (a, b) =>
          (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
          Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion),
      );
    if (pending.length === 0) return;
    const nodes = this.store.scan(NODES).map(schedulingNode);
    const bound: BoundPod[] = pods.map(boundPod).filter((p): p is BoundPod => p !== undefined);
    for (const pod of pending) {
      const spec = schedulingSpec(pod);
      const decision = schedulePod(spec, nodes, bound);
      const status = (pod.status ?? {}) as Obj;
      if (decision.nodeName !== undefined) {
        bound.push({ namespace: spec.namespace, labels: spec.labels, nodeName: decision.nodeName, cpuMillis: spec.cpuMillis, memoryMiB: spec.memoryMiB });
        const conditions = setCondition(status.conditions, { type: 'PodScheduled', status: 'True' }, now);
        this.store.update(PODS, { ...pod, spec: { ...(pod.spec as Obj), nodeName: decision.nodeName }, status: { ...status, phase: 'Pending', conditions } });
      } else {
        const conditions = setCondition(status.conditions, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: decision.message }, now);
        this.store.update(PODS, { ...pod, status: { ...status, phase: 'Pending', conditions } });
      }
    }
  }
}

/**
 * The simulated kubelets: a pod bound to a Ready node starts `readyDelayMs` after it was bound and then
 * runs Ready, unless its image is crash-looping (restartCount grows, CrashLoopBackOff, never Ready) or
 * failing readiness (Running, not Ready). Pods on down nodes are left to the node lifecycle controller.
 */
import type { FaultState } from './faults.js';
import type { ObjectStore } from './object-store.js';
import { isNodeReady, podImages, setCondition, timestamp } from './pod-model.js';
import { resourceType } from './resource-types.js';
import type { KubeObj } from './sim-types.js';

type Obj = Record<string, any>;

const NODES = resourceType('nodes');
const PODS = resourceType('pods');

/** Timing of the simulated kubelets. */
export interface KubeletOptions {
  readyDelayMs: number;
  /** Time between restarts of a crash-looping container. */
  crashLoopRestartMs: number;
}

/** The condition set and container states a pod shows in one lifecycle stage. */
type Stage = 'starting' | 'ready' | 'unready' | 'crashloop';

export class Kubelet {
  private readonly boundAt = new Map<string, number>();
  private readonly ips = new Map<string, number>();

  constructor(
    private readonly store: ObjectStore,
    private readonly faults: FaultState,
    private readonly options: KubeletOptions,
  ) {}

  /** @param stamp wall-clock time for timestamps written into pods (default: `now`) */
  reconcile(now: number, stamp = now): void {
    const nodes = new Map(this.store.scan(NODES).map((n, i) => [n.metadata.name, { node: n, index: i }]));
    const live = new Set<string>();
    for (const pod of this.store.scan(PODS)) {
      const uid = pod.metadata.uid as string;
      live.add(uid);
      const nodeName = (pod.spec as Obj | undefined)?.nodeName as string | undefined;
      const entry = nodeName ? nodes.get(nodeName) : undefined;
      if (!entry || !isNodeReady(entry.node)) continue;
      if (!this.boundAt.has(uid)) this.boundAt.set(uid, now);
      const startAt = (this.boundAt.get(uid) as number) + this.options.readyDelayMs;
      const images = podImages(pod.spec as Obj);
      let stage: Stage = 'ready';
      if (now < startAt) stage = 'starting';
      else if (images.some((i) => this.faults.isCrashLooping(i))) stage = 'crashloop';
      else if (images.some((i) => this.faults.isUnready(i))) stage = 'unready';
      const next = this.render(pod, stage, entry.node, entry.index, startAt, now, stamp);
      this.store.write(PODS, next);
    }
    for (const uid of this.boundAt.keys()) if (!live.has(uid)) this.boundAt.delete(uid);
  }

  private podIp(nodeIndex: number, uid: string): string {
    if (!this.ips.has(uid)) this.ips.set(uid, this.ips.size + 2);
    const n = this.ips.get(uid) as number;
    return `10.244.${nodeIndex}.${(n % 250) + 2}`;
  }

  private render(pod: KubeObj, stage: Stage, node: KubeObj, nodeIndex: number, startAt: number, now: number, stamp: number): KubeObj {
    const status = { ...((pod.status ?? {}) as Obj) };
    const hostIP = ((node.status as Obj).addresses ?? []).find((a: Obj) => a.type === 'InternalIP')?.address;
    const previous = new Map(((status.containerStatuses ?? []) as Obj[]).map((c) => [c.name, c]));
    const restarts = stage === 'crashloop' ? Math.floor((now - startAt) / this.options.crashLoopRestartMs) + 1 : undefined;
    const containerStatuses = ((pod.spec as Obj).containers as Obj[]).map((c) => {
      const prior = previous.get(c.name);
      const base = {
        name: c.name,
        image: c.image,
        imageID: `sim://${c.image}`,
        containerID: `containerd://${String(pod.metadata.uid).replace(/-/g, '')}-${c.name}`,
      };
      const restartCount = restarts ?? prior?.restartCount ?? 0;
      const startedAt = prior?.state?.running?.startedAt ?? timestamp(stamp);
      switch (stage) {
        case 'starting':
          return { ...base, ready: false, started: false, restartCount, state: { waiting: { reason: 'ContainerCreating' } } };
        case 'crashloop':
          return {
            ...base,
            ready: false,
            started: false,
            restartCount,
            state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${c.name} in pod ${pod.metadata.name}` } },
            lastState: { terminated: { exitCode: 1, reason: 'Error' } },
          };
        case 'unready':
          return { ...base, ready: false, started: true, restartCount, state: { running: { startedAt } } };
        case 'ready':
          return { ...base, ready: true, started: true, restartCount, state: { running: { startedAt } } };
      }
    });
    const ready = stage === 'ready';
    let conditions = setCondition(status.conditions, { type: 'PodScheduled', status: 'True' }, stamp);
    conditions = setCondition(conditions, { type: 'Initialized', status: 'True' }, stamp);
    const notReady = stage === 'starting' ? undefined : 'ContainersNotReady';
    conditions = setCondition(
      conditions,
      ready ? { type: 'ContainersReady', status: 'True' } : { type: 'ContainersReady', status: 'False', reason: notReady },
      stamp,
    );
    conditions = setCondition(conditions, ready ? { type: 'Ready', status: 'True' } : { type: 'Ready', status: 'False', reason: notReady }, stamp);
    const running = stage !== 'starting';
    return {
      ...pod,
      status: {
        ...status,
        phase: running ? 'Running' : 'Pending',
        conditions,
        hostIP,
        hostIPs: hostIP ? [{ ip: hostIP }] : undefined,
        ...(running ? { podIP: this.podIp(nodeIndex, pod.metadata.uid as string) } : {}),
        startTime: status.startTime ?? timestamp(stamp),
        containerStatuses,
        qosClass: status.qosClass ?? 'Burstable',
      },
    };
  }
}

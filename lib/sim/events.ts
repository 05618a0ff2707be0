/**
 * Kubernetes Events of the simulated cluster, as the real components would record them. The recorder
 * watches every change the object store commits and derives events from what changed, so no controller
 * needs to know about events:
 *
 * - scheduler: `Scheduled` (pod bound), `FailedScheduling` (PodScheduled=False/Unschedulable, or its
 *   message changed);
 * - kubelet: `Pulled`, `Created`, `Started` (container running), `BackOff` (restart of a crash-looping
 *   container), `Unhealthy` (running but not ready), `Killing` (pod deleted from a Ready node);
 * - node controller: `NodeNotReady` on the Node and on each of its pods, `NodeReady` when it comes back,
 *   `TaintManagerEviction` for a pod deleted from a NotReady node (eviction);
 * - replicaset/deployment controllers: `SuccessfulCreate`, `SuccessfulDelete`, `ScalingReplicaSet`.
 *
 * Repeats of the same event (same object, reason and message) increase `count` and `lastTimestamp`, as
 * the real event correlator does. Timestamps are wall-clock time. Events older than an hour (the API
 * server's default TTL) are deleted. Recorded events carry `reportingInstance: meshplane-sim` and are
 * not journaled (they are observations, rebuilt by what happens after a restart).
 */
import type { ObjectStore, StoreChange } from './object-store.js';
import { timestamp } from './pod-model.js';
import { resourceType, typeKey } from './resource-types.js';
import type { KubeObj } from './sim-types.js';

type Obj = Record<string, any>;

const EVENTS = resourceType('events');
const NODES = resourceType('nodes');
const PODS_KEY = typeKey(resourceType('pods'));
const NODES_KEY = typeKey(NODES);
const REPLICA_SETS_KEY = typeKey(resourceType('replicasets', 'apps'));

/** The `reportingInstance` of events the simulation records. */
export const SIM_EVENT_INSTANCE = 'meshplane-sim';
/** How long an event is kept after it last happened (kube-apiserver's --event-ttl default). */
export const EVENT_TTL_MS = 60 * 60 * 1000;

/** An event to record about `object`. */
export interface EventSpec {
  object: Readonly<KubeObj>;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  component: string;
  host?: string;
  fieldPath?: string;
}

/** True for an event the simulation recorded itself (not journaled). */
export function isSimEvent(change: Pick<StoreChange, 'typeKey' | 'object'>): boolean {
  return change.typeKey === typeKey(EVENTS) && change.object.reportingInstance === SIM_EVENT_INSTANCE;
}

function containerStatuses(pod: Readonly<KubeObj> | undefined): Obj[] {
  return ((pod?.status as Obj | undefined)?.containerStatuses ?? []) as Obj[];
}

function condition(object: Readonly<KubeObj> | undefined, type: string): Obj | undefined {
  return (((object?.status as Obj | undefined)?.conditions ?? []) as Obj[]).find((c) => c.type === type);
}

function nodeName(pod: Readonly<KubeObj> | undefined): string | undefined {
  return (pod?.spec as Obj | undefined)?.nodeName;
}

function podRef(pod: Readonly<KubeObj>): string {
  return `${pod.metadata.namespace}/${pod.metadata.name}`;
}

function controllerRef(object: Readonly<KubeObj>): Obj | undefined {
  return object.metadata.ownerReferences?.find((r) => r.controller);
}

/**
 * The events one store change stands for. `nodeReady` tells whether a node is Ready now (for telling
 * an eviction from an ordinary deletion).
 */
export function eventsForChange(change: StoreChange, nodeReady: (name: string) => boolean | undefined): EventSpec[] {
  const out: EventSpec[] = [];
  const { object: after, previous: before } = change;
  if (change.typeKey === PODS_KEY) {
    const pod = after;
    const node = nodeName(pod);
    if (change.type === 'DELETED') {
      const evicted = node !== undefined && nodeReady(node) === false;
      if (evicted)
        out.push({
          object: pod,
          type: 'Normal',
          reason: 'TaintManagerEviction',
          message: `Marking for deletion Pod ${podRef(pod)}`,
          component: 'taint-eviction-controller',
        });
      else if (node)
        for (const c of containerStatuses(before ?? pod).filter((s) => s.state?.running))
          out.push({
            object: pod,
            type: 'Normal',
            reason: 'Killing',
            message: `Stopping container ${c.name}`,
            component: 'kubelet',
            host: node,
            fieldPath: `spec.containers{${c.name}}`,
          });
      const owner = controllerRef(pod);
      if (owner?.kind === 'ReplicaSet' && !evicted)
        out.push({
          object: ownerStub(pod, owner),
          type: 'Normal',
          reason: 'SuccessfulDelete',
          message: `Deleted pod: ${pod.metadata.name}`,
          component: 'replicaset-controller',
        });
      return out;
    }
    if (change.type === 'ADDED') {
      const owner = controllerRef(pod);
      if (owner?.kind === 'ReplicaSet')
        out.push({
          object: ownerStub(pod, owner),
          type: 'Normal',
          reason: 'SuccessfulCreate',
          message: `Created pod: ${pod.metadata.name}`,
          component: 'replicaset-controller',
        });
    }
    if (node && !nodeName(before))
      out.push({
        object: pod,
        type: 'Normal',
        reason: 'Scheduled',
        message: `Successfully assigned ${podRef(pod)} to ${node}`,
        component: 'default-scheduler',
      });
    const scheduled = condition(pod, 'PodScheduled');
    const scheduledBefore = condition(before, 'PodScheduled');
    if (!node && scheduled?.status === 'False' && (scheduledBefore?.status !== 'False' || scheduledBefore?.message !== scheduled.message))
      out.push({
        object: pod,
        type: 'Warning',
        reason: 'FailedScheduling',
        message: String(scheduled.message ?? 'pod is unschedulable'),
        component: 'default-scheduler',
      });
    const ready = condition(pod, 'Ready');
    if (ready?.reason === 'NodeNotReady' && condition(before, 'Ready')?.reason !== 'NodeNotReady')
      out.push({ object: pod, type: 'Warning', reason: 'NodeNotReady', message: 'Node is not ready', component: 'node-controller' });
    if (node) out.push(...containerEvents(pod, before, node));
    return out;
  }
  if (change.typeKey === NODES_KEY && change.type === 'MODIFIED') {
    const now = condition(after, 'Ready')?.status === 'True';
    const was = condition(before, 'Ready')?.status === 'True';
    if (now !== was) {
      const reason = now ? 'NodeReady' : 'NodeNotReady';
      out.push({ object: after, type: 'Normal', reason, message: `Node ${after.metadata.name} status is now: ${reason}`, component: 'node-controller' });
    }
    return out;
  }
  if (change.typeKey === REPLICA_SETS_KEY && change.type !== 'DELETED') {
    const to = (after.spec as Obj | undefined)?.replicas ?? 0;
    const from = (before?.spec as Obj | undefined)?.replicas ?? 0;
    const owner = controllerRef(after);
    if (owner?.kind === 'Deployment' && to !== from)
      out.push({
        object: ownerStub(after, owner),
        type: 'Normal',
        reason: 'ScalingReplicaSet',
        message: `Scaled ${to > from ? 'up' : 'down'} replica set ${after.metadata.name} from ${from} to ${to}`,
        component: 'deployment-controller',
      });
  }
  return out;
}

/** Container transitions of a pod: started, crash restarts, readiness failures. */
function containerEvents(pod: Readonly<KubeObj>, before: Readonly<KubeObj> | undefined, node: string): EventSpec[] {
  const out: EventSpec[] = [];
  const previous = new Map(containerStatuses(before).map((c) => [c.name, c]));
  for (const c of containerStatuses(pod)) {
    const prior = previous.get(c.name);
    const at = { object: pod, component: 'kubelet', host: node, fieldPath: `spec.containers{${c.name}}` };
    const wasStarted = Boolean(prior?.state?.running) || (prior?.restartCount ?? 0) > 0;
    if ((c.state?.running || (c.restartCount ?? 0) > 0) && !wasStarted) {
      out.push({ ...at, type: 'Normal', reason: 'Pulled', message: `Container image "${c.image}" already present on machine` });
      out.push({ ...at, type: 'Normal', reason: 'Created', message: `Created container ${c.name}` });
      out.push({ ...at, type: 'Normal', reason: 'Started', message: `Started container ${c.name}` });
    }
    if ((c.restartCount ?? 0) > (prior?.restartCount ?? 0) && c.state?.waiting?.reason === 'CrashLoopBackOff')
      out.push({
        ...at,
        type: 'Warning',
        reason: 'BackOff',
        message: `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
      });
    if (c.state?.running && c.started && !c.ready && (prior?.ready || !prior?.started) && condition(pod, 'Ready')?.reason !== 'NodeNotReady')
      out.push({ ...at, type: 'Warning', reason: 'Unhealthy', message: 'Readiness probe failed: HTTP probe failed with statuscode: 503' });
  }
  return out;
}

/** Enough of an owner object to be an event's involvedObject. */
function ownerStub(child: Readonly<KubeObj>, owner: Obj): KubeObj {
  return { apiVersion: owner.apiVersion, kind: owner.kind, metadata: { name: owner.name, namespace: child.metadata.namespace, uid: owner.uid } };
}

/** Records events into the object store: one per (object, reason, message), counted on repeat. */
export class EventRecorder {
  private unsubscribe: (() => void) | undefined;
  private lastPruneAt = 0;
  /** Event name per (object, reason, message, …), for counting repeats. */
  private readonly names = new Map<string, string>();
  private sequence = 0;

  /** @param wallNow wall-clock time (ms) for the events' timestamps */
  constructor(
    private readonly store: ObjectStore,
    private readonly wallNow: () => number = Date.now,
  ) {}

  /** Starts deriving events from every store change. */
  start(): void {
    this.unsubscribe ??= this.store.onAnyChange((change) => {
      if (change.typeKey === typeKey(EVENTS)) return;
      const specs = eventsForChange(change, (name) => {
        const node = this.store.get(NODES, undefined, name);
        return node ? condition(node, 'Ready')?.status === 'True' : undefined;
      });
      for (const spec of specs) this.record(spec);
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Records one event (or counts a repeat of it). */
  record(spec: EventSpec): void {
    const now = this.wallNow();
    const involved = spec.object;
    const namespace = involved.metadata.namespace ?? 'default';
    const key = `${involved.metadata.uid ?? involved.metadata.name}|${spec.fieldPath ?? ''}|${spec.type}|${spec.reason}|${spec.message}|${spec.component}`;
    const stamp = timestamp(now);
    const known = this.names.get(key);
    const existing = known ? this.store.get(EVENTS, namespace, known) : undefined;
    if (existing) {
      this.store.update(EVENTS, { ...existing, count: ((existing.count as number | undefined) ?? 1) + 1, lastTimestamp: stamp });
    } else {
      if (!this.store.get(resourceType('namespaces'), undefined, namespace)) return;
      // `<object>.<hex nanoseconds>` like the real recorder, so names sort in the order events happened.
      const name = `${involved.metadata.name}.${(BigInt(now) * 1_000_000n + BigInt(this.sequence++ % 1_000_000)).toString(16)}`;
      this.names.set(key, name);
      this.store.create(EVENTS, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          kind: involved.kind,
          apiVersion: involved.apiVersion,
          name: involved.metadata.name,
          ...(involved.metadata.namespace ? { namespace: involved.metadata.namespace } : {}),
          ...(involved.metadata.uid ? { uid: involved.metadata.uid } : {}),
          ...(involved.metadata.resourceVersion ? { resourceVersion: involved.metadata.resourceVersion } : {}),
          ...(spec.fieldPath ? { fieldPath: spec.fieldPath } : {}),
        },
        reason: spec.reason,
        message: spec.message,
        source: { component: spec.component, ...(spec.host ? { host: spec.host } : {}) },
        firstTimestamp: stamp,
        lastTimestamp: stamp,
        count: 1,
        type: spec.type,
        eventTime: null,
        reportingComponent: spec.component,
        reportingInstance: SIM_EVENT_INSTANCE,
      });
    }
    if (now - this.lastPruneAt > 60_000) this.prune(now);
  }

  /** Deletes recorded events that last happened more than EVENT_TTL_MS ago. */
  prune(now = this.wallNow()): void {
    this.lastPruneAt = now;
    for (const event of this.store.scan(EVENTS, { matches: (e) => e.reportingInstance === SIM_EVENT_INSTANCE }))
      if (now - Date.parse(String(event.lastTimestamp)) > EVENT_TTL_MS) this.store.delete(EVENTS, event.metadata.namespace, event.metadata.name);
    const live = new Set(this.store.scan(EVENTS).map((e) => e.metadata.name));
    for (const [key, name] of this.names) if (!live.has(name)) this.names.delete(key);
  }
}

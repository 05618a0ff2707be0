/**
 * The deployment controller: keeps `spec.replicas` pods of the current pod template, replaces pods of
 * older templates with a rolling update (maxSurge/maxUnavailable as kube-controller-manager computes
 * them) or Recreate, garbage-collects pods whose Deployment is gone, and reports status the way
 * rollout checks expect. Pods carry the `pod-template-hash` label of their template and are owned by
 * that template's ReplicaSet (replicasets.ts keeps the ReplicaSets in step).
 */
import type { ObjectStore, StoreChange } from './object-store.js';
import { randomSuffix } from './object-store.js';
import { isPodReady, setCondition, timestamp } from './pod-model.js';
import { ReplicaSets, controllerUid, deploymentOwnerResolver } from './replicasets.js';
import { resourceType, typeKey } from './resource-types.js';
import type { KubeObj } from './sim-types.js';

type Obj = Record<string, any>;

const DEPLOYMENTS = resourceType('deployments', 'apps');
const PODS = resourceType('pods');
const KEYS = { deployments: typeKey(DEPLOYMENTS), replicaSets: typeKey(resourceType('replicasets', 'apps')), pods: typeKey(PODS) };
/** Every this many reconciles, every Deployment is reconciled whatever changed (an informer's resync). */
const RESYNC_RECONCILES = 50;
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** JSON with object keys sorted, so equal templates hash equally. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      // null is an absent field (`creationTimestamp: null` in a template kubectl rolled back to).
      .filter((k) => (value as Obj)[k] !== undefined && (value as Obj)[k] !== null)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Obj)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** The `pod-template-hash` of a pod template: FNV-1a of its canonical JSON, safe-encoded like Kubernetes. */
export function podTemplateHash(template: unknown): string {
  let hash = 0x811c9dc5;
  for (const ch of Buffer.from(stableJson(template), 'utf8')) {
    hash ^= ch;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return [...String(hash)].map((d) => SAFE_ALPHABET[d.charCodeAt(0) % SAFE_ALPHABET.length]).join('');
}

/** Resolves an int-or-percent of `total` (maxSurge rounds up, maxUnavailable down, as in Kubernetes). */
export function resolveIntOrPercent(value: unknown, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const m = typeof value === 'string' ? /^(\d+)%$/.exec(value) : null;
  if (m) return roundUp ? Math.ceil((Number(m[1]) * total) / 100) : Math.floor((Number(m[1]) * total) / 100);
  return typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : 0;
}

/** Rolling update bounds for a Deployment. */
export function rollingBounds(spec: Obj): { maxSurge: number; maxUnavailable: number } {
  const desired = spec.replicas ?? 1;
  const rolling = spec.strategy?.rollingUpdate ?? {};
  const maxSurge = resolveIntOrPercent(rolling.maxSurge ?? '25%', desired, true);
  let maxUnavailable = resolveIntOrPercent(rolling.maxUnavailable ?? '25%', desired, false);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

/** The order in which pods are removed when scaling down: unscheduled, then not ready, then newest. */
function deletionOrder(a: KubeObj, b: KubeObj): number {
  const rank = (p: KubeObj) => ((p.spec as Obj)?.nodeName ? (isPodReady(p) ? 2 : 1) : 0);
  return (
    rank(a) - rank(b) ||
    (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') ||
    b.metadata.name.localeCompare(a.metadata.name)
  );
}

/**
 * Reconciles, like kube-controller-manager's informers and work queue, only the Deployments whose
 * objects changed since (the Deployment, its ReplicaSets, its pods: the store's change feed says
 * which) and those still progressing, whose status depends on time (the progress deadline); a quiet
 * Deployment costs nothing per tick. A full pass runs at the start, after a deletion (what it orphaned
 * is collected), for a pod of a ReplicaSet not seen yet, and every RESYNC_RECONCILES reconciles.
 */
export class DeploymentController {
  /** Deployments (uids) whose objects changed since their last reconcile. */
  private readonly dirty = new Set<string>();
  /** Deployments (uids) whose last status was not complete: reconciled at every tick. */
  private readonly progressing = new Set<string>();
  /** ReplicaSet uid → the uid of the Deployment that controls it (from the change feed). */
  private readonly replicaSetOwners = new Map<string, string>();
  private fullPassOwed = true;
  private reconciles = 0;
  /** Per Deployment uid: the last observed progress signature and when it changed. */
  private readonly progress = new Map<string, { signature: string; since: number }>();
  /** Per Deployment uid: its pod-template-hash at a resourceVersion (hashing the template at every tick costs more than the rest of it). */
  private readonly hashes = new Map<string, { resourceVersion: string; hash: string }>();

  constructor(
    private readonly store: ObjectStore,
    private readonly replicaSets = new ReplicaSets(store),
  ) {
    store.onAnyChange((change) => this.note(change));
  }

  private note(change: StoreChange): void {
    const object = change.object;
    const uid = object.metadata.uid as string;
    if (change.typeKey === KEYS.deployments) {
      if (change.type === 'DELETED') this.fullPassOwed = true;
      else this.dirty.add(uid);
    } else if (change.typeKey === KEYS.replicaSets) {
      const owner = controllerUid(object, 'Deployment');
      if (change.type === 'DELETED') {
        this.replicaSetOwners.delete(uid);
        this.fullPassOwed = true;
      } else if (owner) {
        this.replicaSetOwners.set(uid, owner);
        this.dirty.add(owner);
      }
    } else if (change.typeKey === KEYS.pods) {
      const replicaSet = controllerUid(object, 'ReplicaSet');
      const owner = replicaSet ? this.replicaSetOwners.get(replicaSet) : controllerUid(object, 'Deployment');
      if (owner) this.dirty.add(owner);
      else if (replicaSet) this.fullPassOwed = true;
    }
  }

  /** @param stamp wall-clock time for the conditions' timestamps (default: `now`) */
  reconcile(now: number, stamp = now): void {
    const full = this.fullPassOwed || ++this.reconciles % RESYNC_RECONCILES === 0;
    if (!full && this.dirty.size === 0 && this.progressing.size === 0) return;
    const due = new Set([...this.dirty, ...this.progressing]);
    this.fullPassOwed = false;
    this.dirty.clear();
    const deployments = this.store.scan(DEPLOYMENTS);
    if (full) {
      this.replicaSetOwners.clear();
      for (const rs of this.store.scan(resourceType('replicasets', 'apps'))) {
        const owner = controllerUid(rs, 'Deployment');
        if (owner) this.replicaSetOwners.set(rs.metadata.uid as string, owner);
      }
    }
    this.replicaSets.collectGarbage(new Set(deployments.map((d) => d.metadata.uid as string)));
    const pods = this.store.scan(PODS);
    const ownerOf = deploymentOwnerResolver(this.store);
    const byOwner = new Map<string, KubeObj[]>();
    for (const pod of pods) {
      const owner = ownerOf(pod);
      if (owner) byOwner.set(owner, [...(byOwner.get(owner) ?? []), pod]);
    }
    const live = new Set(deployments.map((d) => d.metadata.uid as string));
    for (const [owner, orphans] of byOwner) if (!live.has(owner)) for (const pod of orphans) this.store.delete(PODS, pod.metadata.namespace, pod.metadata.name);
    for (const uid of this.progress.keys()) if (!live.has(uid)) this.progress.delete(uid);
    for (const uid of this.hashes.keys()) if (!live.has(uid)) this.hashes.delete(uid);
    for (const uid of this.progressing) if (!live.has(uid)) this.progressing.delete(uid);
    for (const deployment of deployments) {
      const uid = deployment.metadata.uid as string;
      if (!full && !due.has(uid)) continue;
      const complete = this.reconcileOne(deployment, byOwner.get(uid) ?? [], now, stamp);
      if (complete) this.progressing.delete(uid);
      else this.progressing.add(uid);
    }
  }

  /** Returns whether the Deployment's status is complete (nothing left that time alone changes). */
  private reconcileOne(deployment: KubeObj, owned: KubeObj[], now: number, stamp: number): boolean {
    const spec = deployment.spec as Obj;
    const desired: number = spec.replicas ?? 1;
    const hash = this.templateHash(deployment);
    let pods = owned;
    const isCurrent = (p: KubeObj) => p.metadata.labels?.['pod-template-hash'] === hash;
    const remove = (victims: KubeObj[]) => {
      for (const v of victims) this.store.delete(PODS, v.metadata.namespace, v.metadata.name);
      const gone = new Set(victims.map((v) => v.metadata.name));
      pods = pods.filter((p) => !gone.has(p.metadata.name));
    };
    const add = (count: number) => {
      for (let i = 0; i < count; i++) pods = [...pods, this.createPod(deployment, hash)];
    };

    if (!spec.paused) {
      const old = pods.filter((p) => !isCurrent(p));
      const current = pods.filter(isCurrent);
      if (spec.strategy?.type === 'Recreate') {
        if (old.length > 0) remove(old);
        else if (current.length < desired) add(desired - current.length);
        else if (current.length > desired) remove([...current].sort(deletionOrder).slice(0, current.length - desired));
      } else if (old.length === 0) {
        if (current.length < desired) add(desired - current.length);
        else if (current.length > desired) remove([...current].sort(deletionOrder).slice(0, current.length - desired));
      } else {
        this.rollingStep(spec, desired, hash, old, current, add, remove, () => pods);
      }
    }
    const complete = this.writeStatus(deployment, pods, hash, desired, now, stamp);
    this.replicaSets.sync(deployment, pods, hash);
    return complete && !spec.paused;
  }

  /** One step of a rolling update: surge new pods, then retire old ones within the availability budget. */
  private rollingStep(
    spec: Obj,
    desired: number,
    hash: string,
    old: KubeObj[],
    current: KubeObj[],
    add: (n: number) => void,
    remove: (victims: KubeObj[]) => void,
    all: () => KubeObj[],
  ): void {
    const { maxSurge, maxUnavailable } = rollingBounds(spec);
    const room = desired + maxSurge - all().length;
    if (current.length > desired) remove([...current].sort(deletionOrder).slice(0, current.length - desired));
    else if (room > 0 && current.length < desired) add(Math.min(room, desired - current.length));

    const minAvailable = desired - maxUnavailable;
    const newUnavailable = all().filter((p) => p.metadata.labels?.['pod-template-hash'] === hash && !isPodReady(p)).length;
    // Unhealthy old pods go first: removing them costs no availability.
    const cleanup = Math.max(0, all().length - minAvailable - newUnavailable);
    const unhealthyOld = old
      .filter((p) => !isPodReady(p))
      .sort(deletionOrder)
      .slice(0, cleanup);
    remove(unhealthyOld);
    const available = all().filter(isPodReady).length;
    const healthyOld = old.filter(isPodReady).sort(deletionOrder);
    const scaleDown = Math.min(available - minAvailable, healthyOld.length);
    if (scaleDown > 0) remove(healthyOld.slice(0, scaleDown));
  }

  private createPod(deployment: KubeObj, hash: string): KubeObj {
    const template = structuredClone(((deployment.spec as Obj).template ?? {}) as Obj);
    const meta = (template.metadata ?? {}) as Obj;
    const name = deployment.metadata.name;
    return this.store.create(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${name}-${hash}-${randomSuffix()}`,
        namespace: deployment.metadata.namespace,
        labels: { ...(meta.labels ?? {}), 'pod-template-hash': hash },
        ...(meta.annotations ? { annotations: meta.annotations } : {}),
        ownerReferences: [this.replicaSets.ownerFor(deployment, hash)],
      },
      spec: template.spec ?? {},
      status: { phase: 'Pending' },
    });
  }

  private templateHash(deployment: KubeObj): string {
    const uid = deployment.metadata.uid as string;
    const resourceVersion = String(deployment.metadata.resourceVersion);
    const cached = this.hashes.get(uid);
    if (cached?.resourceVersion === resourceVersion) return cached.hash;
    const hash = podTemplateHash((deployment.spec as Obj).template);
    this.hashes.set(uid, { resourceVersion, hash });
    return hash;
  }

  private writeStatus(deployment: KubeObj, pods: KubeObj[], hash: string, desired: number, now: number, stamp: number): boolean {
    const spec = deployment.spec as Obj;
    const updated = pods.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash).length;
    const ready = pods.filter(isPodReady).length;
    const { maxUnavailable } = rollingBounds(spec);
    const complete = updated === desired && pods.length === desired && ready === desired;
    const uid = deployment.metadata.uid as string;
    const signature = `${hash}/${pods.length}/${updated}/${ready}`;
    const seen = this.progress.get(uid);
    if (!seen || seen.signature !== signature) this.progress.set(uid, { signature, since: now });
    const stalledFor = now - (this.progress.get(uid) as { since: number }).since;
    const deadlineMs = (spec.progressDeadlineSeconds ?? 600) * 1000;
    const rsName = `${deployment.metadata.name}-${hash}`;
    const previous = (deployment.status ?? {}) as Obj;
    let conditions = setCondition(
      previous.conditions,
      ready >= desired - maxUnavailable
        ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
        : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
      stamp,
    );
    let progressing: Obj;
    if (complete)
      progressing = { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rsName}" has successfully progressed.` };
    else if (stalledFor > deadlineMs)
      progressing = { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${rsName}" has timed out progressing.` };
    else progressing = { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rsName}" is progressing.` };
    // setCondition keeps unchanged conditions as they were; changed ones come back without lastUpdateTime.
    conditions = setCondition(conditions, progressing, stamp).map((c) => (c.lastUpdateTime ? c : { ...c, lastUpdateTime: timestamp(stamp) }));
    const status: Obj = {
      observedGeneration: deployment.metadata.generation,
      replicas: pods.length,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: ready,
      unavailableReplicas: Math.max(0, Math.max(desired, pods.length) - ready),
      conditions,
    };
    for (const key of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas']) if (status[key] === 0) delete status[key];
    this.store.write(DEPLOYMENTS, { ...deployment, status });
    return complete;
  }
}

/**
 * ReplicaSets of the simulated deployment controller. Each pod template a Deployment has had gets a
 * ReplicaSet `<deployment>-<pod-template-hash>` owned by the Deployment; pods are owned by the ReplicaSet
 * of their template. The deployment controller still decides how many pods of each template exist; this
 * file keeps the ReplicaSets in step with that: spec.replicas and status mirror their pods, revisions
 * (`deployment.kubernetes.io/revision`, also written on the Deployment) grow with each new or restored
 * template, as `kubectl rollout history` and `rollout undo` expect, and old ReplicaSets beyond
 * `revisionHistoryLimit` are removed. ReplicaSets are stored (and journaled) like any object, so the
 * history survives a restart; their pods are rebuilt under them.
 */
import type { ObjectStore } from './object-store.js';
import { isPodReady } from './pod-model.js';
import { resourceType } from './resource-types.js';
import { type KubeObj, type OwnerReference, jsonEqual } from './sim-types.js';

type Obj = Record<string, any>;

const DEPLOYMENTS = resourceType('deployments', 'apps');
const REPLICA_SETS = resourceType('replicasets', 'apps');
const PODS = resourceType('pods');

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';

/** The uid of the object that controls `object`, if its controller is of `kind`. */
export function controllerUid(object: Readonly<KubeObj>, kind: string): string | undefined {
  return object.metadata.ownerReferences?.find((r) => r.kind === kind && r.controller !== false)?.uid;
}

function revisionOf(rs: Readonly<KubeObj>): number {
  return Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? 0) || 0;
}

/** Maps a pod to the uid of the Deployment that controls it (through its ReplicaSet, or directly). */
export function deploymentOwnerResolver(store: ObjectStore): (pod: Readonly<KubeObj>) => string | undefined {
  const owners = new Map<string, string>();
  for (const rs of store.scan(REPLICA_SETS)) {
    const owner = controllerUid(rs, 'Deployment');
    if (owner) owners.set(rs.metadata.uid as string, owner);
  }
  return (pod) => {
    const rs = controllerUid(pod, 'ReplicaSet');
    return rs ? owners.get(rs) : controllerUid(pod, 'Deployment');
  };
}

export class ReplicaSets {
  /** ReplicaSets per owning Deployment uid, rebuilt by collectGarbage at the start of every reconcile. */
  private byDeployment = new Map<string, Readonly<KubeObj>[]>();

  constructor(private readonly store: ObjectStore) {}

  /**
   * Deletes ReplicaSets whose Deployment is gone and pods whose ReplicaSet is gone (the garbage
   * collector's job); the deployment controller then recreates what a live Deployment still needs.
   */
  collectGarbage(liveDeploymentUids: ReadonlySet<string>): void {
    const live = new Set<string>();
    this.byDeployment = new Map();
    for (const rs of this.store.scan(REPLICA_SETS)) {
      const owner = controllerUid(rs, 'Deployment');
      if (owner && !liveDeploymentUids.has(owner)) this.store.delete(REPLICA_SETS, rs.metadata.namespace, rs.metadata.name);
      else live.add(rs.metadata.uid as string);
      if (owner && liveDeploymentUids.has(owner)) this.byDeployment.set(owner, [...(this.byDeployment.get(owner) ?? []), rs]);
    }
    for (const pod of this.store.scan(PODS)) {
      const rs = controllerUid(pod, 'ReplicaSet');
      if (rs && !live.has(rs)) this.store.delete(PODS, pod.metadata.namespace, pod.metadata.name);
    }
  }

  /** The owner reference for a new pod of `deployment`'s template `hash`, creating its ReplicaSet when missing. */
  ownerFor(deployment: Readonly<KubeObj>, hash: string): OwnerReference {
    const rs = this.ensure(deployment, hash);
    return { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid as string, controller: true, blockOwnerDeletion: true };
  }

  /**
   * Brings `deployment`'s ReplicaSets in step with its pods after a reconcile: the current template's
   * ReplicaSet exists and holds the highest revision, every ReplicaSet's replicas and status count its
   * pods, and empty old ones beyond the history limit are deleted.
   */
  sync(deployment: Readonly<KubeObj>, pods: readonly Readonly<KubeObj>[], hash: string): void {
    const current = this.ensure(deployment, hash);
    const owned = this.owned(deployment);
    const highest = Math.max(0, ...owned.filter((rs) => rs.metadata.uid !== current.metadata.uid).map(revisionOf));
    let revision = revisionOf(current);
    if (revision <= highest) revision = highest + 1;
    const byHash = new Map<string, Readonly<KubeObj>[]>();
    for (const pod of pods) {
      const h = pod.metadata.labels?.['pod-template-hash'] ?? '';
      byHash.set(h, [...(byHash.get(h) ?? []), pod]);
    }
    const spec = (deployment.spec ?? {}) as Obj;
    for (const rs of owned) {
      const rsHash = rs.metadata.labels?.['pod-template-hash'] ?? '';
      const isCurrent = rs.metadata.uid === current.metadata.uid;
      const next = this.withCounts(rs, byHash.get(rsHash) ?? [], isCurrent ? revision : revisionOf(rs), isCurrent, deployment);
      // Most reconciles change nothing: compare the parts this writes before the store compares whole objects.
      const same =
        (rs.spec as Obj | undefined)?.replicas === (next.spec as Obj).replicas &&
        jsonEqual(rs.status, next.status) &&
        jsonEqual(rs.metadata.annotations, next.metadata.annotations);
      if (!same) this.store.update(REPLICA_SETS, next);
    }
    const limit = typeof spec.revisionHistoryLimit === 'number' ? spec.revisionHistoryLimit : 10;
    const retired = owned
      .filter((rs) => rs.metadata.uid !== current.metadata.uid && (byHash.get(rs.metadata.labels?.['pod-template-hash'] ?? '')?.length ?? 0) === 0)
      .sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of retired.slice(0, Math.max(0, retired.length - limit))) {
      this.store.delete(REPLICA_SETS, rs.metadata.namespace, rs.metadata.name);
      this.byDeployment.set(
        deployment.metadata.uid as string,
        this.owned(deployment).filter((r) => r.metadata.uid !== rs.metadata.uid),
      );
    }
    this.annotateDeployment(deployment, revision);
  }

  /** The Deployment's ReplicaSets as of this reconcile (their counts may have been updated since). */
  private owned(deployment: Readonly<KubeObj>): Readonly<KubeObj>[] {
    return this.byDeployment.get(deployment.metadata.uid as string) ?? [];
  }

  private ensure(deployment: Readonly<KubeObj>, hash: string): Readonly<KubeObj> {
    const name = `${deployment.metadata.name}-${hash}`;
    const known = this.owned(deployment).find((rs) => rs.metadata.name === name);
    if (known) return known;
    const existing = this.store.get(REPLICA_SETS, deployment.metadata.namespace, name);
    if (existing && controllerUid(existing, 'Deployment') === deployment.metadata.uid) return existing;
    // A ReplicaSet of that name left from an earlier Deployment of the same name is replaced.
    if (existing) this.store.delete(REPLICA_SETS, existing.metadata.namespace, name);
    const spec = (deployment.spec ?? {}) as Obj;
    const template = structuredClone((spec.template ?? {}) as Obj);
    const labels = { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash };
    const revision = Math.max(0, ...this.owned(deployment).map(revisionOf)) + 1;
    const selector = structuredClone((spec.selector ?? {}) as Obj);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), 'pod-template-hash': hash };
    const created = this.store.create(REPLICA_SETS, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: deployment.metadata.namespace,
        labels,
        annotations: this.annotations(deployment, revision),
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: deployment.metadata.name,
            uid: deployment.metadata.uid as string,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        replicas: 0,
        ...(spec.minReadySeconds ? { minReadySeconds: spec.minReadySeconds } : {}),
        selector,
        template: { ...template, metadata: { ...(template.metadata ?? {}), labels } },
      },
      status: { replicas: 0 },
    });
    const uid = deployment.metadata.uid as string;
    this.byDeployment.set(uid, [...this.owned(deployment).filter((r) => r.metadata.name !== name), created]);
    return created;
  }

  private annotations(deployment: Readonly<KubeObj>, revision: number): Record<string, string> {
    const spec = (deployment.spec ?? {}) as Obj;
    const desired: number = spec.replicas ?? 1;
    const surge = spec.strategy?.rollingUpdate?.maxSurge;
    const maxSurge = typeof surge === 'number' ? surge : Math.ceil((Number(/^(\d+)%$/.exec(String(surge ?? '25%'))?.[1] ?? 0) * desired) / 100);
    const cause = deployment.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION];
    return {
      'deployment.kubernetes.io/desired-replicas': String(desired),
      'deployment.kubernetes.io/max-replicas': String(desired + (spec.strategy?.type === 'Recreate' ? 0 : maxSurge)),
      [REVISION_ANNOTATION]: String(revision),
      ...(cause ? { [CHANGE_CAUSE_ANNOTATION]: cause } : {}),
    };
  }

  private withCounts(rs: Readonly<KubeObj>, pods: readonly Readonly<KubeObj>[], revision: number, current: boolean, deployment: Readonly<KubeObj>): KubeObj {
    const ready = pods.filter((p) => isPodReady(p as KubeObj)).length;
    const status: Obj = {
      replicas: pods.length,
      fullyLabeledReplicas: pods.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation,
    };
    for (const key of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']) if (status[key] === 0) delete status[key];
    const annotations: Record<string, string> = { ...(rs.metadata.annotations ?? {}), [REVISION_ANNOTATION]: String(revision) };
    // The current template's ReplicaSet follows the Deployment's desired count and change-cause.
    if (current) Object.assign(annotations, this.annotations(deployment, revision));
    return { ...rs, metadata: { ...rs.metadata, annotations }, spec: { ...(rs.spec as Obj), replicas: pods.length }, status } as KubeObj;
  }

  private annotateDeployment(deployment: Readonly<KubeObj>, revision: number): void {
    if (deployment.metadata.annotations?.[REVISION_ANNOTATION] === String(revision)) return;
    const fresh = this.store.get(DEPLOYMENTS, deployment.metadata.namespace, deployment.metadata.name);
    if (!fresh || fresh.metadata.uid !== deployment.metadata.uid || fresh.metadata.annotations?.[REVISION_ANNOTATION] === String(revision)) return;
    const annotations = { ...(fresh.metadata.annotations ?? {}), [REVISION_ANNOTATION]: String(revision) };
    this.store.update(DEPLOYMENTS, { ...fresh, metadata: { ...fresh.metadata, annotations } });
  }
}

/**
 * In-memory stand-ins for the ports an optimizer run touches: a state store (services, clusters,
 * documents, audit events), one cluster client per cluster id, and a fixed clock. Methods the run does
 * not use throw, so a test notices when that changes.
 */
import { VersionConflictError } from '../../../../lib/errors.js';
import type { ClusterRegistration } from '../../../../lib/model/cluster.js';
import type { AuditEvent, ServiceRecord } from '../../../../lib/model/records.js';
import type { ClusterClient, ClusterClientFactory, NodeInfo, PodInfo } from '../../../../lib/ports/cluster-client.js';
import type { ServiceChange, StateStore, StoredDocument } from '../../../../lib/ports/state-store.js';
import type { RolloutDeps } from '../../../../lib/usecases/shared/rollout-deps.js';

const unused = (what: string) => () => {
  throw new Error(`the optimizer run is not expected to call ${what}`);
};

/** What one fake cluster holds. */
export interface FakeClusterState {
  nodes: NodeInfo[];
  pods: PodInfo[];
  /** Pods evicted, in order (the fake's controller replaces each at once). */
  evicted?: string[];
  /** Evictions a disruption budget refuses (pod names). */
  blockEvictions?: string[];
}

export class FakeOptimizerWorld {
  readonly services = new Map<string, ServiceRecord>();
  readonly clusters: (ClusterRegistration & { createdAt: string })[] = [];
  readonly documents = new Map<string, StoredDocument<unknown>>();
  readonly events: AuditEvent[] = [];
  readonly cluster = new Map<string, FakeClusterState>();
  /** Runs once, right after the run has listed the services (to change the world under it). */
  afterListing?: () => void;

  addCluster(id: string, isDefault: boolean, state: FakeClusterState): void {
    this.clusters.push({ id, default: isDefault, target: { kind: 'simulated' }, createdAt: '2030-01-01T00:00:00.000Z' });
    this.cluster.set(id, state);
  }

  addService(record: ServiceRecord): void {
    this.services.set(record.name, structuredClone(record));
  }

  deps(): RolloutDeps {
    const store: Partial<StateStore> = {
      getService: async (name) => structuredClone(this.services.get(name)),
      listAllServices: async () => {
        const all = [...this.services.values()].filter((s) => s.phase !== 'deleted').map((s) => structuredClone(s));
        const hook = this.afterListing;
        this.afterListing = undefined;
        hook?.();
        return all;
      },
      appendEvents: async (events) => {
        this.events.push(...events);
      },
      commitServiceChange: async (change: ServiceChange) => {
        const current = this.services.get(change.service.name);
        if ((current?.version ?? null) !== change.expectedVersion) throw new VersionConflictError(`service ${change.service.name} changed`);
        this.services.set(change.service.name, structuredClone(change.service));
        this.events.push(...change.events);
      },
      getCluster: async (id) => this.clusters.find((c) => c.id === id),
      listClusters: async () => [...this.clusters],
      getDocument: async <T>(kind: string, id: string) => this.documents.get(`${kind}/${id}`) as StoredDocument<T> | undefined,
      putDocument: async <T>(kind: string, id: string, value: T, expectedVersion: number | null) => {
        const key = `${kind}/${id}`;
        const version = (this.documents.get(key)?.version ?? 0) + 1;
        if ((this.documents.get(key)?.version ?? null) !== expectedVersion) throw new VersionConflictError(`document ${key} changed`);
        this.documents.set(key, { value: structuredClone(value), version });
        return version;
      },
    };
    const clusters: ClusterClientFactory = { forCluster: async (registration) => this.client(registration.id) };
    return {
      store: store as StateStore,
      clusters,
      clock: { now: () => new Date('2030-01-01T12:00:00.000Z') },
      converger: { converge: async () => undefined },
      queue: { send: unused('queue.send') },
      metrics: {} as RolloutDeps['metrics'],
      workflow: {} as RolloutDeps['workflow'],
    };
  }

  private client(id: string): ClusterClient {
    const state = this.cluster.get(id);
    if (!state) throw new Error(`no fake cluster "${id}"`);
    return {
      listNodes: async () => structuredClone(state.nodes),
      // Honours `key=value` selectors the way the API server does, so a filtered listing shows.
      listPods: async (_namespace, labelSelector) => {
        const wanted = (labelSelector ?? '').split(',').filter(Boolean).map((term) => term.split('='));
        return structuredClone(state.pods.filter((p) => wanted.every(([k, v]) => p.labels[k] === v)));
      },
      apply: unused('apply'),
      prune: unused('prune'),
      deleteService: unused('deleteService'),
      patchDeployment: unused('patchDeployment'),
      getWorkloadStatus: unused('getWorkloadStatus'),
      // Like the Eviction API plus a ReplicaSet and a scheduler that honours the move-target preference:
      // the pod goes, and its replacement starts Ready on the node labelled as the service's move target
      // (or on the evicted pod's node when none is). Hand-written; the e2e runs the real thing.
      evictPod: async (_namespace, name) => {
        const victim = state.pods.find((p) => p.name === name);
        if (!victim) return 'gone';
        if (state.blockEvictions?.includes(name)) return 'blocked';
        state.pods = state.pods.filter((p) => p !== victim);
        (state.evicted ??= []).push(name);
        const service = victim.labels['meshplane.io/service'];
        const target = state.nodes.find((n) => n.labels[`placement.meshplane.io/${service}`] === 'next')?.name ?? victim.node;
        state.pods.push({ ...structuredClone(victim), name: `${name}-replacement`, node: target });
        return 'evicted';
      },
      labelNode: async (nodeName, labels) => {
        const target = state.nodes.find((n) => n.name === nodeName);
        if (!target) throw new Error(`no node ${nodeName}`);
        for (const [key, value] of Object.entries(labels)) {
          if (value === null) delete target.labels[key];
          else target.labels[key] = value;
        }
      },
      listManagedObjects: async () => [],
    };
  }
}

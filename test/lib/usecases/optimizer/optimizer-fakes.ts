/**
 * The world an optimizer run sees: the real state store (DynamoDbStateStore on dynalite, a table of its
 * own per world), one hand-written cluster client per cluster id, and a fixed clock. Services and
 * clusters added before the run are written to the table when the run first touches the store.
 * Cluster-client methods the run does not use throw, so a test notices when that changes.
 */
import { DynamoDbStateStore } from '../../../../lib/adapters/dynamodb/dynamodb-state-store.js';
import { provisionTable } from '../../../../lib/local/provision.js';
import type { ClusterRegistration } from '../../../../lib/model/cluster.js';
import type { AuditEvent, PageRequest, ServiceRecord } from '../../../../lib/model/records.js';
import type { ClusterClient, ClusterClientFactory, NodeInfo, PodInfo } from '../../../../lib/ports/cluster-client.js';
import type { StateStore, StoredDocument } from '../../../../lib/ports/state-store.js';
import type { OptimizerStore } from '../../../../lib/usecases/optimizer/run-optimizer.js';
import type { RolloutDeps } from '../../../../lib/usecases/shared/rollout-deps.js';
import type { TestStack } from '../../../support/local-stack.js';

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

let worlds = 0;

export class FakeOptimizerWorld {
  /** Registrations to write before the run (change them before it starts). */
  readonly clusters: (ClusterRegistration & { createdAt: string })[] = [];
  readonly cluster = new Map<string, FakeClusterState>();
  /** Runs once, right after the run has listed the services (to change the world under it). */
  afterListing?: () => Promise<void>;
  /** The real store on this world's table; use it once the run has started (or after `ready()`). */
  readonly store: StateStore;
  private readonly seeds: ServiceRecord[] = [];
  private seeded?: Promise<void>;
  private readonly tableName = `optimizer-${++worlds}`;

  constructor(private readonly stack: TestStack) {
    this.store = new DynamoDbStateStore(stack.dynamo, this.tableName);
  }

  addCluster(id: string, isDefault: boolean, state: FakeClusterState): void {
    this.clusters.push({ id, default: isDefault, target: { kind: 'simulated' }, createdAt: '2030-01-01T00:00:00.000Z' });
    this.cluster.set(id, state);
  }

  addService(record: ServiceRecord): void {
    this.seeds.push(structuredClone(record));
  }

  /** Creates the table and writes what was added, once. */
  ready(): Promise<void> {
    this.seeded ??= (async () => {
      await provisionTable(this.stack.dynamo, this.tableName);
      for (const cluster of this.clusters) await this.store.putCluster(cluster);
      for (const service of this.seeds) await this.store.commitServiceChange({ service, expectedVersion: null, events: [] });
    })();
    return this.seeded;
  }

  async service(name: string): Promise<ServiceRecord | undefined> {
    await this.ready();
    return this.store.getService(name);
  }

  /** Every audit event of the services added, oldest first. */
  async events(): Promise<AuditEvent[]> {
    await this.ready();
    const pages = await Promise.all(this.seeds.map((s) => this.store.listEvents(s.name, { limit: 100 })));
    return pages.flatMap((p) => p.items).sort((a, b) => a.at.localeCompare(b.at));
  }

  async document<T>(kind: string, id: string): Promise<StoredDocument<T> | undefined> {
    await this.ready();
    return this.store.getDocument<T>(kind, id);
  }

  /** The run's ports: the store ports it names (seeded on first use, with the afterListing hook), fake clusters, a fixed clock. */
  deps(): RolloutDeps<OptimizerStore> {
    const real = this.store;
    const seeded =
      <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        await this.ready();
        return call(...args);
      };
    const store: OptimizerStore = {
      getService: seeded(real.getService.bind(real)),
      getServices: seeded(real.getServices.bind(real)),
      listServices: seeded(real.listServices.bind(real)),
      listCallers: seeded(real.listCallers.bind(real)),
      commitServiceChange: seeded(real.commitServiceChange.bind(real)),
      listAllServices: seeded(async () => {
        const all = await real.listAllServices();
        const hook = this.afterListing;
        this.afterListing = undefined;
        await hook?.();
        return all;
      }),
      putCluster: seeded(real.putCluster.bind(real)),
      getCluster: seeded(real.getCluster.bind(real)),
      listClusters: seeded(real.listClusters.bind(real)),
      deleteCluster: seeded(real.deleteCluster.bind(real)),
      getDocument: <T>(kind: string, id: string) => seeded(() => real.getDocument<T>(kind, id))(),
      getDocuments: <T>(refs: readonly (readonly [string, string])[]) => seeded(() => real.getDocuments<T>(refs))(),
      putDocument: <T>(kind: string, id: string, value: T, expectedVersion: number | null, ttlSeconds?: number, listedAt?: string) =>
        seeded(() => real.putDocument(kind, id, value, expectedVersion, ttlSeconds, listedAt))(),
      listDocuments: <T>(kind: string, page: PageRequest) => seeded(() => real.listDocuments<T>(kind, page))(),
      appendEvents: seeded(real.appendEvents.bind(real)),
      recordEvents: seeded(real.recordEvents.bind(real)),
      listEvents: seeded(real.listEvents.bind(real)),
    };
    const clusters: ClusterClientFactory = { forCluster: async (registration) => this.clusterClient(registration.id) };
    return {
      store,
      clusters,
      clock: { now: () => new Date('2030-01-01T12:00:00.000Z') },
      converger: { converge: async () => undefined },
      queue: { send: unused('queue.send') },
      metrics: {} as RolloutDeps['metrics'],
      workflow: {} as RolloutDeps['workflow'],
    };
  }

  private clusterClient(id: string): ClusterClient {
    const state = this.cluster.get(id);
    if (!state) throw new Error(`no fake cluster "${id}"`);
    return {
      listNodes: async () => structuredClone(state.nodes),
      // Honours `key=value` selectors the way the API server does, so a filtered listing shows.
      listPods: async (_namespace, labelSelector) => {
        const wanted = (labelSelector ?? '')
          .split(',')
          .filter(Boolean)
          .map((term) => term.split('='));
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

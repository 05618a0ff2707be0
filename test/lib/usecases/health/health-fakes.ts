/**
 * In-memory stand-ins for the ports the health use cases touch: a state store (services, revisions,
 * deployments, operations, documents, audit events, clusters; the probe's observed documents derived from
 * the fake clusters unless a test stores its own), one fake cluster per cluster id, a queue
 * that keeps what it was sent, metrics, a converger that can be told to fail, and a manual clock.
 * Methods the health use cases do not use throw, so a test notices when that changes.
 */
import { OperationCompletedError, VersionConflictError } from '../../../../lib/errors.js';
import { DEFAULT_REMEDIATION_POLICY } from '../../../../lib/health/remediation-policy.js';
import { LABELS, MANAGED_BY } from '../../../../lib/mesh/labels.js';
import type { EventEnvelope } from '../../../../lib/model/events.js';
import { OBSERVED_NODES_DOC, OBSERVED_STATUS_DOC } from '../../../../lib/model/observed-status.js';
import { serviceStatus } from '../../../../lib/usecases/shared/service-status.js';
import type { AuditEvent, DeploymentRecord, OperationRecord, RevisionRecord, ServiceRecord } from '../../../../lib/model/records.js';
import { ServiceSpec, type ServiceSpecInput } from '../../../../lib/model/service-spec.js';
import type { ClusterClient, KubeObject, NodeInfo, PodInfo } from '../../../../lib/ports/cluster-client.js';
import { renderService } from '../../../../lib/mesh/render-service.js';
import { neighbourhoodFrom, renderContextFor } from '../../../../lib/usecases/shared/render-context.js';
import type { WorkloadMetrics } from '../../../../lib/ports/metrics-source.js';
import type { ServiceChange, StateStore, StoredDocument } from '../../../../lib/ports/state-store.js';
import type { HealthDeps } from '../../../../lib/usecases/health/health-deps.js';
import { ManualClock } from '../../../support/clock.js';

const unused = (what: string) => () => {
  throw new Error(`the health use cases are not expected to call ${what}`);
};

export const T0 = '2030-01-01T00:00:00.000Z';

/** A registered service record (revision 1 unless told otherwise). */
export function serviceRecord(name: string, spec: Partial<ServiceSpecInput> = {}, record: Partial<ServiceRecord> = {}): ServiceRecord {
  return {
    name,
    spec: ServiceSpec.parse({ name, image: `shop/${name}:1`, port: 8080, replicas: 2, ...spec }),
    version: 1,
    revision: 1,
    phase: 'active',
    createdAt: T0,
    updatedAt: T0,
    lastOperationId: 'op-1',
    ...record,
  };
}

/** A Ready node in zone `zone-<second part of the name>` (node-a-1 → zone-a). */
export function node(name: string, ready = true): NodeInfo {
  return { name, zone: `zone-${name.split('-')[1] ?? 'x'}`, ready, allocatableCpuMillis: 4000, allocatableMemoryMiB: 16384, labels: {} };
}

/** A running, Ready stable pod of `service`, labelled the way meshplane renders it. */
export function pod(service: string, name: string, overrides: Partial<PodInfo> = {}): PodInfo {
  return {
    name,
    namespace: 'default',
    labels: { [LABELS.service]: service, [LABELS.managedBy]: MANAGED_BY, [LABELS.track]: 'stable', [LABELS.version]: 'r1' },
    image: `shop/${service}:1`,
    node: 'node-a-1',
    zone: 'zone-a',
    phase: 'Running',
    ready: true,
    restarts: 0,
    ...overrides,
  };
}

export interface FakeCluster {
  nodes: NodeInfo[];
  pods: PodInfo[];
  /** Every listPods call, as (namespace, selector). */
  podListings: { namespace: string | undefined; selector: string | undefined }[];
  nodeListings: number;
  /**
   * What listManagedObjects answers; absent: a cluster in sync with the store (every live service's
   * objects rendered exactly as the converger renders them).
   */
  objects?: KubeObject[];
}

export class FakeHealthWorld {
  readonly clock = new ManualClock(T0);
  readonly services = new Map<string, ServiceRecord>();
  readonly revisions: RevisionRecord[] = [];
  readonly deployments = new Map<string, DeploymentRecord>();
  readonly operations = new Map<string, OperationRecord>();
  readonly documents = new Map<string, StoredDocument<unknown>>();
  readonly events: AuditEvent[] = [];
  readonly sent: EventEnvelope[] = [];
  readonly clusters: { id: string; default: boolean; createdAt: string; target: { kind: 'simulated' } }[] = [];
  readonly cluster = new Map<string, FakeCluster>();
  /** Records the converger was asked to converge to. */
  readonly converged: ServiceRecord[] = [];
  /** Services the probe has not observed: no observed-status document is derived for them. */
  readonly missingObservations = new Set<string>();
  /** Errors the next converge calls throw, in order (the record is committed before converging). */
  readonly convergeFailures: Error[] = [];
  /** Runs before a putDocument of this kind is checked, once (to change the document under the writer). */
  readonly beforePut = new Map<string, () => void>();
  /** Metrics by workload; a workload without an entry has no traffic. */
  readonly metrics = new Map<string, WorkloadMetrics>();
  metricsDelayMs = 0;
  metricsInFlight = 0;
  maxMetricsInFlight = 0;

  addCluster(id: string, state: Partial<Pick<FakeCluster, 'nodes' | 'pods'>> = {}, isDefault = this.clusters.length === 0): FakeCluster {
    this.clusters.push({ id, default: isDefault, target: { kind: 'simulated' }, createdAt: T0 });
    const cluster: FakeCluster = { nodes: state.nodes ?? [], pods: state.pods ?? [], podListings: [], nodeListings: 0 };
    this.cluster.set(id, cluster);
    return cluster;
  }

  addService(record: ServiceRecord): void {
    this.services.set(record.name, structuredClone(record));
    for (let revision = 1; revision <= record.revision; revision++) {
      if (!this.revisions.some((r) => r.service === record.name && r.revision === revision))
        this.revisions.push({ service: record.name, revision, spec: record.spec, createdAt: record.createdAt, operationId: `op-${revision}` });
    }
  }

  addDeployment(record: DeploymentRecord): void {
    this.deployments.set(`${record.service}/${record.id}`, structuredClone(record));
  }

  document<T>(kind: string, id: string): StoredDocument<T> | undefined {
    return this.documents.get(`${kind}/${id}`) as StoredDocument<T> | undefined;
  }

  eventsOfType(type: string): AuditEvent[] {
    return this.events.filter((e) => e.type === type);
  }

  deps(): HealthDeps {
    const store: Partial<StateStore> = {
      getService: async (name) => structuredClone(this.services.get(name)),
      getServices: async (names) =>
        names.flatMap((n) => (this.services.get(n) && this.services.get(n)!.phase !== 'deleted' ? [structuredClone(this.services.get(n)!)] : [])),
      listAllServices: async () => [...this.services.values()].filter((s) => s.phase !== 'deleted').map((s) => structuredClone(s)),
      commitServiceChange: async (change: ServiceChange) => {
        const current = this.services.get(change.service.name);
        if ((current?.version ?? null) !== change.expectedVersion) throw new VersionConflictError(`service ${change.service.name} changed`);
        this.services.set(change.service.name, structuredClone(change.service));
        if (change.revision) this.revisions.push(structuredClone(change.revision));
        this.events.push(...structuredClone(change.events));
      },
      getRevision: async (service, revision) => structuredClone(this.revisions.find((r) => r.service === service && r.revision === revision)),
      getRevisions: async (refs) => structuredClone(this.revisions.filter((r) => refs.some((ref) => ref.service === r.service && ref.revision === r.revision))),
      appendEvents: async (events) => {
        this.events.push(...structuredClone(events));
      },
      recordEvents: async (events) => {
        this.events.push(...structuredClone(events));
      },
      getDeployment: async (service, id) => structuredClone(this.deployments.get(`${service}/${id}`)),
      putDeployment: async (deployment, expectedVersion, _operation, events = []) => {
        const key = `${deployment.service}/${deployment.id}`;
        if ((this.deployments.get(key)?.version ?? null) !== expectedVersion) throw new VersionConflictError(`deployment ${key} changed`);
        this.deployments.set(key, structuredClone(deployment));
        this.events.push(...structuredClone(events));
      },
      createOperation: async (op) => {
        if (this.operations.has(op.id)) throw new OperationCompletedError(`operation ${op.id} exists`);
        this.operations.set(op.id, structuredClone(op));
      },
      getOperation: async (id) => structuredClone(this.operations.get(id)),
      markOperationSent: async (op) => {
        const stored = this.operations.get(op.id);
        if (!stored?.outbox || stored.status !== 'pending') return false;
        delete stored.outbox;
        return true;
      },
      getCluster: async (id) => this.clusters.find((c) => c.id === id),
      listClusters: async () => [...this.clusters],
      getDocument: async <T>(kind: string, id: string) =>
        structuredClone(this.documents.get(`${kind}/${id}`) ?? this.observation(kind, id)) as StoredDocument<T> | undefined,
      getDocuments: async <T>(refs: readonly (readonly [string, string])[]) =>
        refs.map(([kind, id]) => structuredClone(this.documents.get(`${kind}/${id}`) ?? this.observation(kind, id)) as StoredDocument<T> | undefined),
      putDocument: async <T>(kind: string, id: string, value: T, expectedVersion: number | null) => {
        const hook = this.beforePut.get(kind);
        this.beforePut.delete(kind);
        hook?.();
        const key = `${kind}/${id}`;
        const current = this.documents.get(key);
        if ((current?.version ?? null) !== expectedVersion) throw new VersionConflictError(`document ${key} changed`);
        const version = (current?.version ?? 0) + 1;
        this.documents.set(key, { value: structuredClone(value), version });
        return version;
      },
      // All or none, as the DynamoDB transaction: every condition is checked before anything is written.
      putDocuments: async (writes) => {
        for (const w of writes) {
          const hook = this.beforePut.get(w.kind);
          this.beforePut.delete(w.kind);
          hook?.();
        }
        for (const w of writes) {
          const key = `${w.kind}/${w.id}`;
          if ((this.documents.get(key)?.version ?? null) !== w.expectedVersion) throw new VersionConflictError(`document ${key} changed`);
        }
        return writes.map((w) => {
          const version = (w.expectedVersion ?? 0) + 1;
          this.documents.set(`${w.kind}/${w.id}`, { value: structuredClone(w.value), version });
          return version;
        });
      },
    };
    return {
      store: store as StateStore,
      queue: {
        send: async (event) => {
          this.sent.push(structuredClone(event));
        },
      },
      clock: this.clock,
      clusters: { forCluster: async (registration) => this.client(registration.id) },
      converger: {
        converge: async (record) => {
          const failure = this.convergeFailures.shift();
          if (failure) throw failure;
          this.converged.push(structuredClone(record));
        },
      },
      metrics: {
        workloadMetrics: async (namespace, workload) => {
          this.metricsInFlight++;
          this.maxMetricsInFlight = Math.max(this.maxMetricsInFlight, this.metricsInFlight);
          try {
            if (this.metricsDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.metricsDelayMs));
            return this.metrics.get(`${namespace}/${workload}`) ?? { requests: 0, errors: 0, errorRate: 0, p99LatencyMs: undefined };
          } finally {
            this.metricsInFlight--;
          }
        },
      },
      remediationPolicy: DEFAULT_REMEDIATION_POLICY,
    };
  }

  /**
   * The observed documents the health probe writes (the service's status, a cluster's nodes), when a test
   * has not stored one: as if the probe had just observed the fake cluster, so the alarm intake, which
   * reads no cluster, decides on what the cluster holds now.
   */
  private observation(kind: string, id: string): StoredDocument<unknown> | undefined {
    const observedAt = this.clock.now().toISOString();
    if (kind === OBSERVED_NODES_DOC) {
      const cluster = this.cluster.get(id);
      return cluster && { value: { nodes: cluster.nodes.map((n) => ({ name: n.name, zone: n.zone, ready: n.ready })), observedAt }, version: 1 };
    }
    if (kind !== OBSERVED_STATUS_DOC || this.missingObservations.has(id)) return undefined;
    const record = this.services.get(id);
    if (!record) return undefined;
    const registration = record.spec.cluster
      ? this.clusters.find((c) => c.id === record.spec.cluster)
      : (this.clusters.find((c) => c.default) ?? this.clusters[0]);
    if (!registration) return { value: { error: 'no cluster is registered: state only', observedAt }, version: 1 };
    const pods = this.cluster.get(registration.id)!.pods.filter((p) => p.namespace === record.spec.namespace && p.labels[LABELS.service] === record.name);
    return { value: { ...serviceStatus(record, undefined, pods), observedAt, cluster: registration.id }, version: 1 };
  }

  private client(id: string): ClusterClient {
    const state = this.cluster.get(id);
    if (!state) throw new Error(`no fake cluster "${id}"`);
    return {
      listNodes: async () => {
        state.nodeListings++;
        return structuredClone(state.nodes);
      },
      // Honours the namespace and `key=value` selectors the way the API server does.
      listPods: async (namespace, labelSelector) => {
        state.podListings.push({ namespace, selector: labelSelector });
        const wanted = (labelSelector ?? '')
          .split(',')
          .filter(Boolean)
          .map((term) => term.split('='));
        return structuredClone(state.pods.filter((p) => (namespace === undefined || p.namespace === namespace) && wanted.every(([k, v]) => p.labels[k] === v)));
      },
      apply: unused('apply'),
      prune: unused('prune'),
      // Deletes the managed objects the cluster holds for the service (as `objects` lists them).
      deleteService: async (namespace, name) => {
        const mine = (o: KubeObject) => o.metadata.namespace === namespace && o.metadata.labels?.['meshplane.io/service'] === name;
        const before = state.objects?.length ?? 0;
        state.objects = (state.objects ?? []).filter((o) => !mine(o));
        return before - state.objects.length;
      },
      patchDeployment: unused('patchDeployment'),
      getWorkloadStatus: unused('getWorkloadStatus'),
      evictPod: unused('evictPod'),
      labelNode: unused('labelNode'),
      listManagedObjects: async () => {
        if (state.objects) return structuredClone(state.objects);
        const all = [...this.services.values()].filter((r) => r.phase !== 'deleted');
        return all.flatMap((r) => renderService(r.spec, renderContextFor(r, neighbourhoodFrom(r, all))));
      },
    };
  }
}

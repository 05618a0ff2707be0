import type { ClusterRegistration } from '../model/cluster.js';
import type { CallerEdgeChanges } from '../model/call-graph.js';
import type {
  AuditEvent,
  DeploymentRecord,
  OperationRecord,
  OperationStatus,
  Page,
  PageRequest,
  RevisionRecord,
  ServiceRecord,
} from '../model/records.js';

/** Completes a pending operation; fails with OperationCompletedError if it is no longer pending. */
export interface OperationOutcome {
  id: string;
  status: Exclude<OperationStatus, 'pending'>;
  reason?: string;
  result?: Record<string, unknown>;
}

/**
 * One atomic change to a service: the new record (conditional on `expectedVersion`, or on the service
 * not existing when null), an optional new revision, the operation's outcome and audit events. It
 * commits whole or not at all.
 */
export interface ServiceChange {
  service: ServiceRecord;
  expectedVersion: number | null;
  revision?: RevisionRecord;
  operation?: OperationOutcome;
  events: AuditEvent[];
  /** Changes to the reverse index of the call graph (see callerEdgeChanges). */
  callerEdges?: CallerEdgeChanges;
}

/** A small piece of state a use case keeps between runs (remediation ledger, probe memory, plans). */
export interface StoredDocument<T> {
  value: T;
  version: number;
}

/**
 * All of meshplane's state. Every write is conditional: a lost race surfaces as VersionConflictError
 * (reload and retry), a finished operation as OperationCompletedError (the work was done already).
 */
export interface StateStore {
  getService(name: string): Promise<ServiceRecord | undefined>;
  /** Active and failed services, by name. */
  listServices(page: PageRequest): Promise<Page<ServiceRecord>>;
  /** Every active service. */
  listAllServices(): Promise<ServiceRecord[]>;
  /** The named services that exist (active or failed), in no particular order. */
  getServices(names: string[]): Promise<ServiceRecord[]>;
  /** Services that declare a dependency on `service`, from the reverse index. */
  listCallers(service: string): Promise<{ name: string; namespace: string }[]>;
  commitServiceChange(change: ServiceChange): Promise<void>;
  getRevision(service: string, revision: number): Promise<RevisionRecord | undefined>;
  listRevisions(service: string, page: PageRequest): Promise<Page<RevisionRecord>>;

  createOperation(op: OperationRecord): Promise<void>;
  getOperation(id: string): Promise<OperationRecord | undefined>;
  /** Completes an operation with audit events, in one write. */
  completeOperation(outcome: OperationOutcome, events: AuditEvent[]): Promise<void>;
  /** Remembers the last error of a pending operation (`lastError`); false when it is not pending (or unknown). */
  noteOperationError(id: string, error: string): Promise<boolean>;
  /**
   * Pending operations due for the sweep at `now` (ISO), earliest first, at most `limit`: those whose
   * enqueue is unconfirmed past their `outbox.resendAt`, and the others past their deadline.
   */
  listExpiredOperations(now: string, limit: number): Promise<OperationRecord[]>;
  /**
   * The operation's event is on its queue: drops the outbox copy and lists the operation by its deadline
   * from now on. False when it is no longer pending or was confirmed already.
   */
  markOperationSent(op: Pick<OperationRecord, 'id' | 'deadline'>): Promise<boolean>;

  appendEvents(events: AuditEvent[]): Promise<void>;
  /** Newest first. */
  listEvents(service: string, page: PageRequest): Promise<Page<AuditEvent>>;

  /** Creates (expectedVersion null) or updates a deployment conditionally. */
  putDeployment(deployment: DeploymentRecord, expectedVersion: number | null, operation?: OperationOutcome, events?: AuditEvent[]): Promise<void>;
  getDeployment(service: string, id: string): Promise<DeploymentRecord | undefined>;
  /** Newest first. */
  listDeployments(service: string, page: PageRequest): Promise<Page<DeploymentRecord>>;

  /** `kind` and `id` name the document, e.g. ('health', 'user-service'). */
  getDocument<T>(kind: string, id: string): Promise<StoredDocument<T> | undefined>;
  /** Conditional on `expectedVersion` (null: must not exist); returns the new version. */
  putDocument<T>(kind: string, id: string, value: T, expectedVersion: number | null, ttlSeconds?: number): Promise<number>;

  putCluster(cluster: ClusterRegistration & { createdAt: string }): Promise<void>;
  getCluster(id: string): Promise<(ClusterRegistration & { createdAt: string }) | undefined>;
  listClusters(): Promise<(ClusterRegistration & { createdAt: string })[]>;
  deleteCluster(id: string): Promise<boolean>;
}

import type { CallerEdgeChanges } from '../model/call-graph.js';
import type { AuditEvent, Page, PageRequest, RevisionRecord, ServiceRecord } from '../model/records.js';
import type { OperationOutcome } from './operation-store.js';

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

/** Registered services, their call graph's reverse index, and the one write that changes a service. */
export interface ServiceStore {
  getService(name: string): Promise<ServiceRecord | undefined>;
  /** Active and failed services, by name. */
  listServices(page: PageRequest): Promise<Page<ServiceRecord>>;
  /** Every active service. */
  listAllServices(): Promise<ServiceRecord[]>;
  /** The named services that exist (active or failed), in no particular order. */
  getServices(names: string[]): Promise<ServiceRecord[]>;
  /** Services that declare a dependency on `service`, from the reverse index. */
  listCallers(service: string): Promise<{ name: string; namespace: string }[]>;
  /** Fails with VersionConflictError on a lost race, OperationCompletedError when the operation was completed before. */
  commitServiceChange(change: ServiceChange): Promise<void>;
}

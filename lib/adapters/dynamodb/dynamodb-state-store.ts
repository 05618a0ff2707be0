import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AuditEvent, DeploymentRecord, OperationRecord, PageRequest } from '../../model/records.js';
import type { StoredCluster } from '../../ports/cluster-store.js';
import type { DocumentWrite } from '../../ports/document-store.js';
import type { OperationOutcome } from '../../ports/operation-store.js';
import type { ReleaseRecord } from '../../model/release.js';
import type { ServiceChange } from '../../ports/service-store.js';
import type { StateStore } from '../../ports/state-store.js';
import { DynamoDbAuditLog } from './dynamodb-audit-log.js';
import { DynamoDbClusterStore } from './dynamodb-cluster-store.js';
import { DynamoDbDeploymentStore } from './dynamodb-deployment-store.js';
import { DynamoDbDocumentStore } from './dynamodb-document-store.js';
import { DynamoDbOperationStore } from './dynamodb-operation-store.js';
import { DynamoDbRevisionStore } from './dynamodb-revision-store.js';
import { DynamoDbReleaseStore } from './dynamodb-release-store.js';
import { DynamoDbServiceStore } from './dynamodb-service-store.js';
import { DynamoTable } from './table.js';

/**
 * The whole StateStore on one DynamoDB table (see TABLE in lib/platform/resources.ts): the
 * per-aggregate adapters side by side, each method handed to the one that owns it (plain methods, so
 * a test may subclass it to inject a fault). Every update is a conditional write.
 */
export class DynamoDbStateStore implements StateStore {
  private readonly services: DynamoDbServiceStore;
  private readonly revisions: DynamoDbRevisionStore;
  private readonly operations: DynamoDbOperationStore;
  private readonly audit: DynamoDbAuditLog;
  private readonly deployments: DynamoDbDeploymentStore;
  private readonly documents: DynamoDbDocumentStore;
  private readonly clusters: DynamoDbClusterStore;
  private readonly releases: DynamoDbReleaseStore;

  constructor(client: DynamoDBClient, tableName: string) {
    const table = new DynamoTable(client, tableName);
    this.services = new DynamoDbServiceStore(table);
    this.revisions = new DynamoDbRevisionStore(table);
    this.operations = new DynamoDbOperationStore(table);
    this.audit = new DynamoDbAuditLog(table);
    this.deployments = new DynamoDbDeploymentStore(table);
    this.documents = new DynamoDbDocumentStore(table);
    this.clusters = new DynamoDbClusterStore(table);
    this.releases = new DynamoDbReleaseStore(table);
  }

  // ServiceStore
  getService(name: string) {
    return this.services.getService(name);
  }
  listServices(page: PageRequest) {
    return this.services.listServices(page);
  }
  listAllServices() {
    return this.services.listAllServices();
  }
  getServices(names: string[]) {
    return this.services.getServices(names);
  }
  listCallers(service: string) {
    return this.services.listCallers(service);
  }
  commitServiceChange(change: ServiceChange) {
    return this.services.commitServiceChange(change);
  }

  // RevisionStore
  getRevision(service: string, revision: number) {
    return this.revisions.getRevision(service, revision);
  }
  getRevisions(refs: { service: string; revision: number }[]) {
    return this.revisions.getRevisions(refs);
  }
  listRevisions(service: string, page: PageRequest) {
    return this.revisions.listRevisions(service, page);
  }

  // OperationStore
  createOperation(op: OperationRecord) {
    return this.operations.createOperation(op);
  }
  getOperation(id: string) {
    return this.operations.getOperation(id);
  }
  completeOperation(outcome: OperationOutcome, events: AuditEvent[]) {
    return this.operations.completeOperation(outcome, events);
  }
  noteOperationError(id: string, error: string) {
    return this.operations.noteOperationError(id, error);
  }
  listExpiredOperations(now: string, limit: number) {
    return this.operations.listExpiredOperations(now, limit);
  }
  markOperationSent(op: Pick<OperationRecord, 'id' | 'deadline'>) {
    return this.operations.markOperationSent(op);
  }

  // AuditLog
  appendEvents(events: AuditEvent[]) {
    return this.audit.appendEvents(events);
  }
  recordEvents(events: AuditEvent[]) {
    return this.audit.recordEvents(events);
  }
  listEvents(service: string, page: PageRequest) {
    return this.audit.listEvents(service, page);
  }

  // DeploymentStore
  putDeployment(deployment: DeploymentRecord, expectedVersion: number | null, operation?: OperationOutcome, events?: AuditEvent[]) {
    return this.deployments.putDeployment(deployment, expectedVersion, operation, events);
  }
  getDeployment(service: string, id: string) {
    return this.deployments.getDeployment(service, id);
  }
  listDeployments(service: string, page: PageRequest) {
    return this.deployments.listDeployments(service, page);
  }

  // DocumentStore
  getDocument<T>(kind: string, id: string) {
    return this.documents.getDocument<T>(kind, id);
  }
  getDocuments<T>(refs: readonly (readonly [kind: string, id: string])[]) {
    return this.documents.getDocuments<T>(refs);
  }
  putDocument<T>(kind: string, id: string, value: T, expectedVersion: number | null, ttlSeconds?: number, listedAt?: string) {
    return this.documents.putDocument<T>(kind, id, value, expectedVersion, ttlSeconds, listedAt);
  }
  putDocuments(writes: readonly DocumentWrite[]) {
    return this.documents.putDocuments(writes);
  }
  listDocuments<T>(kind: string, page: PageRequest) {
    return this.documents.listDocuments<T>(kind, page);
  }

  // ClusterStore
  putCluster(cluster: StoredCluster) {
    return this.clusters.putCluster(cluster);
  }
  getCluster(id: string) {
    return this.clusters.getCluster(id);
  }
  listClusters() {
    return this.clusters.listClusters();
  }
  deleteCluster(id: string) {
    return this.clusters.deleteCluster(id);
  }

  // ReleaseStore
  putRelease(release: ReleaseRecord, expectedVersion: number | null, operation?: OperationOutcome) {
    return this.releases.putRelease(release, expectedVersion, operation);
  }
  getRelease(id: string) {
    return this.releases.getRelease(id);
  }
  listReleases(page: PageRequest) {
    return this.releases.listReleases(page);
  }
  listUnendedReleases() {
    return this.releases.listUnendedReleases();
  }
}

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AuditEvent, DeploymentRecord, OperationRecord, PageRequest } from '../../model/records.js';
import type { StoredCluster } from '../../ports/cluster-store.js';
import type { OperationOutcome } from '../../ports/operation-store.js';
import type { ServiceChange } from '../../ports/service-store.js';
import type { StateStore } from '../../ports/state-store.js';
import { DynamoDbAuditLog } from './dynamodb-audit-log.js';
import { DynamoDbClusterStore } from './dynamodb-cluster-store.js';
import { DynamoDbDeploymentStore } from './dynamodb-deployment-store.js';
import { DynamoDbDocumentStore } from './dynamodb-document-store.js';
import { DynamoDbOperationStore } from './dynamodb-operation-store.js';
import { DynamoDbRevisionStore } from './dynamodb-revision-store.js';
import { DynamoDbServiceStore } from './dynamodb-service-store.js';
import { DynamoTable } from './table.js';

/**
 * The whole StateStore on one DynamoDB table (see TABLE in lib/platform/resources.ts): the
 * per-aggregate adapters side by side, each method handed to the one that owns it. Every update is a
 * conditional write.
 */
export class DynamoDbStateStore implements StateStore {
  private readonly services: DynamoDbServiceStore;
  private readonly revisions: DynamoDbRevisionStore;
  private readonly operations: DynamoDbOperationStore;
  private readonly audit: DynamoDbAuditLog;
  private readonly deployments: DynamoDbDeploymentStore;
  private readonly documents: DynamoDbDocumentStore;
  private readonly clusters: DynamoDbClusterStore;

  constructor(client: DynamoDBClient, tableName: string) {
    const table = new DynamoTable(client, tableName);
    this.services = new DynamoDbServiceStore(table);
    this.revisions = new DynamoDbRevisionStore(table);
    this.operations = new DynamoDbOperationStore(table);
    this.audit = new DynamoDbAuditLog(table);
    this.deployments = new DynamoDbDeploymentStore(table);
    this.documents = new DynamoDbDocumentStore(table);
    this.clusters = new DynamoDbClusterStore(table);
  }

  // ServiceStore
  getService = (name: string) => this.services.getService(name);
  listServices = (page: PageRequest) => this.services.listServices(page);
  listAllServices = () => this.services.listAllServices();
  getServices = (names: string[]) => this.services.getServices(names);
  listCallers = (service: string) => this.services.listCallers(service);
  commitServiceChange = (change: ServiceChange) => this.services.commitServiceChange(change);

  // RevisionStore
  getRevision = (service: string, revision: number) => this.revisions.getRevision(service, revision);
  listRevisions = (service: string, page: PageRequest) => this.revisions.listRevisions(service, page);

  // OperationStore
  createOperation = (op: OperationRecord) => this.operations.createOperation(op);
  getOperation = (id: string) => this.operations.getOperation(id);
  completeOperation = (outcome: OperationOutcome, events: AuditEvent[]) => this.operations.completeOperation(outcome, events);
  noteOperationError = (id: string, error: string) => this.operations.noteOperationError(id, error);
  listExpiredOperations = (now: string, limit: number) => this.operations.listExpiredOperations(now, limit);

  // AuditLog
  appendEvents = (events: AuditEvent[]) => this.audit.appendEvents(events);
  listEvents = (service: string, page: PageRequest) => this.audit.listEvents(service, page);

  // DeploymentStore
  putDeployment = (deployment: DeploymentRecord, expectedVersion: number | null, operation?: OperationOutcome, events?: AuditEvent[]) =>
    this.deployments.putDeployment(deployment, expectedVersion, operation, events);
  getDeployment = (service: string, id: string) => this.deployments.getDeployment(service, id);
  listDeployments = (service: string, page: PageRequest) => this.deployments.listDeployments(service, page);

  // DocumentStore
  getDocument = <T>(kind: string, id: string) => this.documents.getDocument<T>(kind, id);
  putDocument = <T>(kind: string, id: string, value: T, expectedVersion: number | null, ttlSeconds?: number) =>
    this.documents.putDocument<T>(kind, id, value, expectedVersion, ttlSeconds);

  // ClusterStore
  putCluster = (cluster: StoredCluster) => this.clusters.putCluster(cluster);
  getCluster = (id: string) => this.clusters.getCluster(id);
  listClusters = () => this.clusters.listClusters();
  deleteCluster = (id: string) => this.clusters.deleteCluster(id);
}

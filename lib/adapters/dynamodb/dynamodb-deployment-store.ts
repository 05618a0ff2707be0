import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { AuditEvent, DeploymentRecord, Page, PageRequest } from '../../model/records.js';
import type { DeploymentStore } from '../../ports/deployment-store.js';
import type { OperationOutcome } from '../../ports/operation-store.js';
import { eventPut } from './dynamodb-audit-log.js';
import { completeOperationUpdate } from './dynamodb-operation-store.js';
import { keys } from './keys.js';
import { toItem, versionCondition, type DynamoTable } from './table.js';

/** Deployments in their service's partition; a change writes its operation outcome and audit events in the same transaction. */
export class DynamoDbDeploymentStore implements DeploymentStore {
  constructor(private readonly table: DynamoTable) {}

  async putDeployment(deployment: DeploymentRecord, expectedVersion: number | null, operation?: OperationOutcome, events: AuditEvent[] = []): Promise<void> {
    const item = toItem(keys.deployment(deployment.service, deployment.id), deployment);
    const items: TransactWriteItem[] = [{ Put: { TableName: this.table.name, Item: item, ...versionCondition(expectedVersion) } }];
    if (operation) items.push({ Update: completeOperationUpdate(this.table, operation, deployment.updatedAt) });
    items.push(...events.map((e) => eventPut(this.table, e)));
    await this.table.transact(items, `deployment ${deployment.id}`);
  }

  async getDeployment(service: string, id: string): Promise<DeploymentRecord | undefined> {
    return this.table.get<DeploymentRecord>(keys.deployment(service, id));
  }

  async listDeployments(service: string, page: PageRequest): Promise<Page<DeploymentRecord>> {
    return this.table.queryPartition<DeploymentRecord>(keys.servicePartition(service), keys.deploymentPrefix, page, false);
  }
}

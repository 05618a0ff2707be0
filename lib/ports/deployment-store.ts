import type { AuditEvent, DeploymentRecord, Page, PageRequest } from '../model/records.js';
import type { OperationOutcome } from './operation-store.js';

/** Deployments (canary rollouts) of each service. */
export interface DeploymentStore {
  /** Creates (expectedVersion null) or updates a deployment conditionally, with an operation outcome and audit events in the same write. */
  putDeployment(deployment: DeploymentRecord, expectedVersion: number | null, operation?: OperationOutcome, events?: AuditEvent[]): Promise<void>;
  getDeployment(service: string, id: string): Promise<DeploymentRecord | undefined>;
  /** Newest first. */
  listDeployments(service: string, page: PageRequest): Promise<Page<DeploymentRecord>>;
}

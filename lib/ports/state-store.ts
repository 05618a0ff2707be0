import type { AuditLog } from './audit-log.js';
import type { ClusterStore } from './cluster-store.js';
import type { DeploymentStore } from './deployment-store.js';
import type { DocumentStore, DocumentTransactions } from './document-store.js';
import type { OperationStore } from './operation-store.js';
import type { ReleaseStore } from './release-store.js';
import type { RevisionStore } from './revision-store.js';
import type { ServiceStore } from './service-store.js';

export type { OperationOutcome } from './operation-store.js';
export type { ServiceChange } from './service-store.js';
export type { StoredDocument } from './document-store.js';
export type { StoredCluster } from './cluster-store.js';

/**
 * All of meshplane's state: the per-aggregate ports side by side, as the composition root builds them
 * on one table. A use case names only the ports it uses (`CoreDeps<ServiceStore & AuditLog>`).
 * Every write is conditional: a lost race surfaces as VersionConflictError (reload and retry), a
 * finished operation as OperationCompletedError (the work was done already).
 */
export interface StateStore
  extends ServiceStore, RevisionStore, OperationStore, AuditLog, DeploymentStore, DocumentStore, DocumentTransactions, ClusterStore, ReleaseStore {}

import type { MetricsSource } from '../../ports/metrics-source.js';
import type { DeploymentStore } from '../../ports/deployment-store.js';
import type { OperationStore } from '../../ports/operation-store.js';
import type { ReleaseStore } from '../../ports/release-store.js';
import type { ReleaseWorkflow } from '../../ports/release-workflow.js';
import type { RevisionStore } from '../../ports/revision-store.js';
import type { ServiceStore } from '../../ports/service-store.js';
import type { CoreDeps } from '../deps.js';

/** The store ports release trains use. */
export type ReleaseStores = ReleaseStore & ServiceStore & DeploymentStore & OperationStore & RevisionStore;

/** The release tasks: the store and queues, plus the metrics source for observed call edges. */
export interface ReleaseTaskDeps extends CoreDeps<ReleaseStores> {
  metrics: MetricsSource;
}

/** What starts (and reconciles) release executions. */
export interface ReleaseStarterDeps extends CoreDeps<ReleaseStores> {
  releases: ReleaseWorkflow;
}

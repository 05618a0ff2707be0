import type { ClusterClientFactory } from '../../ports/cluster-client.js';
import type { MetricsSource } from '../../ports/metrics-source.js';
import type { RolloutWorkflow } from '../../ports/rollout-workflow.js';
import type { CoreDeps } from '../deps.js';
import type { ServiceConverger } from '../services/apply-service-event.js';

export interface RolloutDeps extends CoreDeps {
  converger: ServiceConverger;
  clusters: ClusterClientFactory;
  metrics: MetricsSource;
  workflow: RolloutWorkflow;
}

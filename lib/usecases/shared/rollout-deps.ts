import type { ClusterClientFactory } from '../../ports/cluster-client.js';
import type { MetricsSource } from '../../ports/metrics-source.js';
import type { RolloutWorkflow } from '../../ports/rollout-workflow.js';
import type { CoreDeps } from '../deps.js';
import type { ServiceConverger } from '../../ports/service-converger.js';

export interface RolloutDeps extends CoreDeps {
  converger: ServiceConverger;
  clusters: ClusterClientFactory;
  metrics: MetricsSource;
  workflow: RolloutWorkflow;
  /**
   * How long one task invocation waits for pods (canary ready, stable rolled out) before failing
   * retryably; the state machine's retries multiply it. Keep it well under the task timeout (120 s).
   */
  podWaitMs?: number;
}

export const DEFAULT_POD_WAIT_MS = 60_000;

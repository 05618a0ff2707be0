import type { Telemetry } from '../../ports/telemetry.js';
import type { ClusterClientFactory } from '../../ports/cluster-client.js';
import type { ClusterRegistration } from '../../model/cluster.js';
import type { MetricsSource } from '../../ports/metrics-source.js';
import type { RolloutWorkflow } from '../../ports/rollout-workflow.js';
import type { CoreDeps } from '../deps.js';
import type { ServiceConverger } from '../../ports/service-converger.js';
import type { StateStore } from '../../ports/state-store.js';

/** What rollouts and placement need besides the core; `Store` as in CoreDeps. */
export interface RolloutDeps<Store = StateStore> extends CoreDeps<Store> {
  converger: ServiceConverger;
  clusters: ClusterClientFactory;
  metrics: MetricsSource;
  /**
   * The metrics of one cluster, for services in several clusters (each wave is judged in its own
   * clusters); `metrics` serves every cluster when absent.
   */
  metricsFor?: (cluster: ClusterRegistration) => MetricsSource;
  workflow: RolloutWorkflow;
  /**
   * How long one task invocation waits for pods (canary ready, stable rolled out) before failing
   * retryably; the state machine's retries multiply it. Keep it well under the task timeout (120 s).
   */
  podWaitMs?: number;
  /** Counters of the rollout's decisions (analysis verdicts); none counted when absent. */
  telemetry?: Telemetry;
}

export const DEFAULT_POD_WAIT_MS = 60_000;

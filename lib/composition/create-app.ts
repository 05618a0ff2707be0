import type { Telemetry } from '../ports/telemetry.js';
import { PrometheusMetricsSource } from '../adapters/metrics/prometheus-metrics-source.js';
import { TerminalError } from '../errors.js';
import { RemediationPolicy } from '../health/remediation-policy.js';
import type { Clock } from '../ports/clock.js';
import type { AlarmTags } from '../ports/alarm-tags.js';
import type { AdminAccess } from '../api/admin-access.js';
import type { ClusterClientFactory } from '../ports/cluster-client.js';
import type { ClusterRegistration } from '../model/cluster.js';
import type { KubeconfigAdmission } from '../ports/kubeconfig-files.js';
import type { MetricsSource } from '../ports/metrics-source.js';
import type { RolloutWorkflow } from '../ports/rollout-workflow.js';
import type { ReleaseWorkflow } from '../ports/release-workflow.js';
import { createServiceConverger } from '../usecases/clusters/service-converger.js';
import { createServiceStatusReader } from '../usecases/clusters/service-status-reader.js';
import type { ServiceStatusReader } from '../usecases/queries/read-models.js';
import type { ServiceConverger } from '../ports/service-converger.js';
import type { KubeconfigPolicy } from '../usecases/clusters/kubeconfig-admission.js';
import { LazyKubernetesClusterClientFactory } from './lazy-cluster-client-factory.js';
import { awsClientConfig, createCore, type CoreApp } from './create-core.js';
import { metricsSettingOf, type RuntimeConfig } from './runtime-config.js';

export { awsClientConfig };

/**
 * Everything the cluster-facing handlers use, built once per process (a Lambda container or the local
 * runtime). The API composes only {@link createCore}; see `compositions.ts` for which handler builds what.
 */
export interface App extends CoreApp {
  clusters: ClusterClientFactory;
  converger: ServiceConverger;
  statusReader: ServiceStatusReader;
  metrics: MetricsSource;
  /** Each cluster's metrics (see RolloutDeps.metricsFor). */
  metricsFor: (cluster: ClusterRegistration) => MetricsSource;
  workflow: RolloutWorkflow;
  /** Release train executions. */
  releases: ReleaseWorkflow;
  remediationPolicy: RemediationPolicy;
  podWaitMs?: number;
  telemetry?: Telemetry;
  alarmTags?: AlarmTags;
  /** Who may change clusters; API Gateway's admin routes when absent (AWS). */
  adminAccess?: AdminAccess;
  /** The operator's kubeconfig policy, applied at registration and again when connecting. */
  admitKubeconfig?: KubeconfigAdmission;
}

export interface AppOverrides {
  clock?: Clock;
  /** Another way to reach clusters (e.g. different retry settings in tests). */
  clusters?: ClusterClientFactory;
  metrics?: MetricsSource;
  /** Each cluster's metrics; by default a simulated cluster's own Prometheus API, `metrics` for the others. */
  metricsFor?: (cluster: ClusterRegistration) => MetricsSource;
  workflow?: RolloutWorkflow;
  releases?: ReleaseWorkflow;
  remediationPolicy?: RemediationPolicy;
  /** See RolloutDeps.podWaitMs. */
  podWaitMs?: number;
  /** Where the rollout counts its decisions (EMF on Lambda, Prometheus locally). */
  telemetry?: Telemetry;
  alarmTags?: AlarmTags;
  /** Local: the operator's admin token, or loopback only. */
  adminAccess?: AdminAccess;
  /** Kubeconfig directory, exec plugins, the operator's own kubeconfig; inline static credentials only when absent. */
  kubeconfigPolicy?: KubeconfigPolicy;
}

const unconfigured = (what: string, env: string) => {
  const fail = async (): Promise<never> => {
    throw new TerminalError(`${what} is not configured (set ${env})`);
  };
  return fail;
};

/**
 * Prometheus is built here (no SDK client of its own). CloudWatch is composed only by the handlers that
 * analyse (`handlers.ts`), so the others do not bundle its SDK client: here it is a source that says so.
 */
function defaultMetricsSource(config: RuntimeConfig): MetricsSource {
  const setting = metricsSettingOf(config);
  switch (setting.source) {
    case 'prometheus':
      return PrometheusMetricsSource.fromOptions({ url: setting.prometheusUrl, sigv4: setting.prometheusUrl.includes('aps-workspaces') ? true : undefined });
    case 'cloudwatch':
      return {
        workloadMetrics: async () => {
          throw new TerminalError('the CloudWatch metrics source (METRICS_SOURCE=cloudwatch) is composed only by the handlers that analyse');
        },
      };
    case 'none':
      return { workloadMetrics: unconfigured('a metrics source', 'PROMETHEUS_URL, or METRICS_SOURCE=cloudwatch') };
  }
}

/** A simulated cluster serves its own Prometheus API at its url; other clusters share the configured source. */
function perClusterMetrics(shared: MetricsSource): (cluster: ClusterRegistration) => MetricsSource {
  const bySimulator = new Map<string, MetricsSource>();
  return (cluster) => {
    const url = cluster.target.kind === 'simulated' ? cluster.target.url : undefined;
    if (!url) return shared;
    let source = bySimulator.get(url);
    if (!source) bySimulator.set(url, (source = PrometheusMetricsSource.fromOptions({ url })));
    return source;
  };
}

export function createApp(config: RuntimeConfig, overrides: AppOverrides = {}): App {
  const core = createCore(config, { clock: overrides.clock });
  const { store } = core;
  // Loaded with the cluster connection it serves (the YAML parser with it), not at cold start.
  const admit: KubeconfigAdmission = async (target) => {
    const [{ admitKubeconfig, STRICT_KUBECONFIG_POLICY }, { nodeKubeconfigFiles }] = await Promise.all([
      import('../usecases/clusters/kubeconfig-admission.js'),
      import('../adapters/files/node-kubeconfig-files.js'),
    ]);
    return admitKubeconfig(target, overrides.kubeconfigPolicy ?? STRICT_KUBECONFIG_POLICY, nodeKubeconfigFiles);
  };
  const clusters = overrides.clusters ?? new LazyKubernetesClusterClientFactory({ admitKubeconfig: admit });
  const metrics = overrides.metrics ?? defaultMetricsSource(config);
  // Step Functions and CloudWatch come from the handlers that use them (optional-aws-clients.ts).
  const workflow = overrides.workflow ?? {
    start: unconfigured('the rollout state machine', 'STATE_MACHINE_ARN'),
    state: unconfigured('the rollout state machine', 'STATE_MACHINE_ARN'),
  };
  const releases = overrides.releases ?? {
    start: unconfigured('the release state machine', 'RELEASE_STATE_MACHINE_ARN'),
    state: unconfigured('the release state machine', 'RELEASE_STATE_MACHINE_ARN'),
  };
  return {
    ...core,
    releases,
    clusters,
    converger: createServiceConverger({ store, clusters }),
    statusReader: createServiceStatusReader({ store, clusters }),
    metrics,
    metricsFor: overrides.metricsFor ?? perClusterMetrics(metrics),
    workflow,
    remediationPolicy: overrides.remediationPolicy ?? RemediationPolicy.parse(config.remediationPolicy ?? {}),
    podWaitMs: overrides.podWaitMs,
    telemetry: overrides.telemetry,
    adminAccess: overrides.adminAccess,
    admitKubeconfig: admit,
    alarmTags: overrides.alarmTags,
  };
}

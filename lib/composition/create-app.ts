import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchAlarmTags } from '../adapters/cloudwatch/cloudwatch-alarm-tags.js';
import { DynamoDbStateStore } from '../adapters/dynamodb/dynamodb-state-store.js';
import { PrometheusMetricsSource } from '../adapters/metrics/prometheus-metrics-source.js';
import { SqsDeadLetterQueues } from '../adapters/sqs/sqs-dead-letter-queues.js';
import { nodeKubeconfigFiles } from '../adapters/files/node-kubeconfig-files.js';
import { SqsEventQueue } from '../adapters/sqs/sqs-event-queue.js';
import { StepFunctionsRolloutWorkflow } from '../adapters/stepfunctions/step-functions-rollout-workflow.js';
import { TerminalError } from '../errors.js';
import { RemediationPolicy } from '../health/remediation-policy.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type { AlarmTags } from '../ports/alarm-tags.js';
import type { DeadLetterQueues } from '../ports/event-queue.js';
import type { AdminAccess } from '../api/admin-access.js';
import type { ClusterClientFactory } from '../ports/cluster-client.js';
import type { KubeconfigAdmission } from '../ports/kubeconfig-files.js';
import type { MetricsSource } from '../ports/metrics-source.js';
import type { RolloutWorkflow } from '../ports/rollout-workflow.js';
import { createServiceConverger } from '../usecases/clusters/service-converger.js';
import { createServiceStatusReader } from '../usecases/clusters/service-status-reader.js';
import type { CoreDeps } from '../usecases/deps.js';
import type { ServiceStatusReader } from '../usecases/queries/read-models.js';
import type { ServiceConverger } from '../ports/service-converger.js';
import { createDynamoDbClient, createSfnClient, createSqsClient } from './aws-clients.js';
import { admitKubeconfig, STRICT_KUBECONFIG_POLICY, type KubeconfigPolicy } from '../usecases/clusters/kubeconfig-admission.js';
import { LazyKubernetesClusterClientFactory } from './lazy-cluster-client-factory.js';
import type { AwsServiceName, RuntimeConfig } from './runtime-config.js';

/** Everything the handlers use, built once per process (a Lambda container or the local runtime). */
export interface App extends CoreDeps {
  config: RuntimeConfig;
  clusters: ClusterClientFactory;
  converger: ServiceConverger;
  statusReader: ServiceStatusReader;
  metrics: MetricsSource;
  workflow: RolloutWorkflow;
  remediationPolicy: RemediationPolicy;
  podWaitMs?: number;
  alarmTags?: AlarmTags;
  /** The queues' dead-letter queues (empty unless `config.deadLetterQueueUrls` names them). */
  deadLetters: DeadLetterQueues;
  /** Who may change clusters; API Gateway's admin routes when absent (AWS). */
  adminAccess?: AdminAccess;
  /** The operator's kubeconfig policy, applied at registration and again when connecting. */
  admitKubeconfig?: KubeconfigAdmission;
}

export function awsClientConfig(config: RuntimeConfig, service: AwsServiceName) {
  const endpoint = config.endpoints?.[service] ?? config.endpoint;
  return {
    region: config.region,
    ...(endpoint ? { endpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
  };
}

export interface AppOverrides {
  clock?: Clock;
  /** Another way to reach clusters (e.g. different retry settings in tests). */
  clusters?: ClusterClientFactory;
  metrics?: MetricsSource;
  workflow?: RolloutWorkflow;
  remediationPolicy?: RemediationPolicy;
  /** See RolloutDeps.podWaitMs. */
  podWaitMs?: number;
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

export function createApp(config: RuntimeConfig, overrides: AppOverrides = {}): App {
  const dynamo = createDynamoDbClient(config);
  const sqs = createSqsClient(config);
  const store = new DynamoDbStateStore(dynamo, config.tableName);
  const kubeconfigPolicy = overrides.kubeconfigPolicy ?? STRICT_KUBECONFIG_POLICY;
  const admit: KubeconfigAdmission = (target) => admitKubeconfig(target, kubeconfigPolicy, nodeKubeconfigFiles);
  const clusters = overrides.clusters ?? new LazyKubernetesClusterClientFactory({ admitKubeconfig: admit });
  const metrics =
    overrides.metrics ??
    (config.prometheusUrl
      ? PrometheusMetricsSource.fromOptions({ url: config.prometheusUrl, sigv4: config.prometheusUrl.includes('aps-workspaces') ? true : undefined })
      : { workloadMetrics: unconfigured('a metrics source', 'PROMETHEUS_URL') });
  const workflow =
    overrides.workflow ??
    (config.stateMachineArn
      ? new StepFunctionsRolloutWorkflow(createSfnClient(config), config.stateMachineArn)
      : { start: unconfigured('the rollout state machine', 'STATE_MACHINE_ARN'), state: unconfigured('the rollout state machine', 'STATE_MACHINE_ARN') });
  return {
    config,
    store,
    queue: new SqsEventQueue(sqs, config.queueUrls),
    deadLetters: new SqsDeadLetterQueues(sqs, config.deadLetterQueueUrls ?? {}),
    clock: overrides.clock ?? systemClock,
    clusters,
    converger: createServiceConverger({ store, clusters }),
    statusReader: createServiceStatusReader({ store, clusters }),
    metrics,
    workflow,
    remediationPolicy: overrides.remediationPolicy ?? RemediationPolicy.parse(config.remediationPolicy ?? {}),
    podWaitMs: overrides.podWaitMs,
    adminAccess: overrides.adminAccess,
    admitKubeconfig: admit,
    // Only on AWS: LocalStack and the emulators have no alarms to tag.
    alarmTags:
      overrides.alarmTags ??
      (config.endpoint || config.endpoints?.dynamodb ? undefined : new CloudWatchAlarmTags(new CloudWatchClient({ region: config.region, maxAttempts: 3 }))),
  };
}

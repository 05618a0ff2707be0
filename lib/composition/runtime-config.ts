import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { QUEUES, type QueueDefinition } from '../platform/resources.js';
import { metricsSettingFromEnv, type MetricsSetting } from './metrics-source-setting.js';

export type AwsServiceName = 'dynamodb' | 'sqs' | 'stepfunctions' | 'cloudwatch' | 'eventbridge';

/** Where the control plane's AWS resources are: from Lambda's environment, or set by the local runtime. */
export interface RuntimeConfig {
  region: string;
  /** One endpoint for every service (LocalStack); absent on AWS. */
  endpoint?: string;
  /** Per-service endpoints (the embedded emulators), overriding `endpoint`. */
  endpoints?: Partial<Record<AwsServiceName, string>>;
  tableName: string;
  queueUrls: Record<QueueDefinition['id'], string>;
  /** The queues' dead-letter queues, for the function that drains them (absent elsewhere). */
  deadLetterQueueUrls?: Partial<Record<QueueDefinition['id'], string>>;
  /** Static credentials for emulators; the default provider chain otherwise. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Prometheus (or an Amazon Managed Prometheus workspace) with the Istio metrics. */
  prometheusUrl?: string;
  /** Which source analyses read (METRICS_SOURCE); absent: Prometheus when `prometheusUrl` is set. See {@link metricsSettingOf}. */
  metrics?: MetricsSetting;
  /** The rollout state machine. */
  stateMachineArn?: string;
  /** Overrides of the remediation policy (JSON in REMEDIATION_POLICY), e.g. {"dryRun": true}. */
  remediationPolicy?: unknown;
  /** The EventBridge bus audit events are published to (EVENT_BUS_NAME; the publish-events function only). */
  eventBusName?: string;
  /**
   * Local only: called with the state table's client (its write half) once it is made, so the local
   * runtime can emulate the table's change stream, which the emulator lacks. Never set on AWS.
   */
  observeTableWrites?: (client: DynamoDBClient) => void;
}

export function runtimeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const missing: string[] = [];
  const need = (name: string) => {
    const value = env[name];
    if (!value) missing.push(name);
    return value ?? '';
  };
  const tableName = need('TABLE_NAME');
  const queueUrls = Object.fromEntries(QUEUES.map((q) => [q.id, need(q.urlEnv)])) as RuntimeConfig['queueUrls'];
  if (missing.length) throw new Error(`meshplane is not configured: missing environment variables ${missing.join(', ')}`);
  const metrics = metricsSettingFromEnv(env);
  const deadLetterQueueUrls = Object.fromEntries(QUEUES.flatMap((q) => (env[q.dlqUrlEnv] ? [[q.id, env[q.dlqUrlEnv]!]] : [])));
  return {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    endpoint: env.AWS_ENDPOINT_URL || undefined,
    endpoints: {
      ...(env.AWS_ENDPOINT_URL_DYNAMODB ? { dynamodb: env.AWS_ENDPOINT_URL_DYNAMODB } : {}),
      ...(env.AWS_ENDPOINT_URL_SQS ? { sqs: env.AWS_ENDPOINT_URL_SQS } : {}),
      ...(env.AWS_ENDPOINT_URL_CLOUDWATCH ? { cloudwatch: env.AWS_ENDPOINT_URL_CLOUDWATCH } : {}),
      ...(env.AWS_ENDPOINT_URL_EVENTBRIDGE ? { eventbridge: env.AWS_ENDPOINT_URL_EVENTBRIDGE } : {}),
    },
    tableName,
    queueUrls,
    ...(Object.keys(deadLetterQueueUrls).length ? { deadLetterQueueUrls } : {}),
    prometheusUrl: env.PROMETHEUS_URL || undefined,
    ...(metrics.source === 'none' ? {} : { metrics }),
    stateMachineArn: env.STATE_MACHINE_ARN || undefined,
    remediationPolicy: parseJsonEnv(env, 'REMEDIATION_POLICY'),
    eventBusName: env.EVENT_BUS_NAME || undefined,
  };
}

/** The metrics source a config selects: its METRICS_SOURCE setting, else Prometheus when a URL is set, else none. */
export function metricsSettingOf(config: RuntimeConfig): MetricsSetting {
  return config.metrics ?? (config.prometheusUrl ? { source: 'prometheus', prometheusUrl: config.prometheusUrl } : { source: 'none' });
}

/** The environment a function needs for a config (the CDK stack and the local runtime both use it). */
export function runtimeConfigToEnv(config: RuntimeConfig): Record<string, string> {
  return {
    TABLE_NAME: config.tableName,
    ...Object.fromEntries(QUEUES.map((q) => [q.urlEnv, config.queueUrls[q.id]])),
    ...Object.fromEntries(QUEUES.flatMap((q) => (config.deadLetterQueueUrls?.[q.id] ? [[q.dlqUrlEnv, config.deadLetterQueueUrls[q.id]!]] : []))),
  };
}

function parseJsonEnv(env: NodeJS.ProcessEnv, name: string): unknown {
  const raw = env[name];
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw new Error(`${name} is not JSON: ${(err as Error).message}`);
  }
}

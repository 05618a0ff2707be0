import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { awsClientConfig, createApp, type App } from '../composition/create-app.js';
import type { RuntimeConfig } from '../composition/runtime-config.js';
import { TABLE, type QueueDefinition } from '../platform/resources.js';
import { startEmulators, type Emulators } from './emulators.js';
import { startHttpFrontDoor, type ApiHandler } from './http-front-door.js';
import { provisionQueues, provisionTable, type ProvisionedQueue } from './provision.js';
import { SqsPoller, type SqsHandler } from './sqs-poller.js';
import { every, type ScheduledHandler } from './schedule.js';
import { PrometheusMetricsSource } from '../adapters/metrics/prometheus-metrics-source.js';
import type { RemediationPolicy } from '../health/remediation-policy.js';
import type { ClusterRegistration } from '../model/cluster.js';
import type { MetricsSource } from '../ports/metrics-source.js';
import { LocalRolloutRunner } from '../rollout/local-runner.js';
import type { RolloutTaskFunction } from '../rollout/task-contract.js';
import { startSimCluster, type SimCluster, type SimClusterOptions } from '../sim/index.js';
import { registerCluster } from '../usecases/clusters/cluster-registry.js';
import { createRolloutTaskDispatcher } from '../usecases/rollouts/rollout-task-dispatcher.js';
import { startNextRollout } from '../usecases/rollouts/start-next-rollout.js';
import { DEFAULT_POD_WAIT_MS } from '../usecases/rollouts/rollout-deps.js';
import { LocalRolloutWorkflow } from './local-rollout-workflow.js';
import { driveSimTime } from './sim-time-driver.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface LocalCluster {
  registration: ClusterRegistration;
  sim?: SimCluster;
  kubeconfigPath?: string;
  metrics?: MetricsSource;
}

/** The simulated cluster (with a kubeconfig for kubectl), or a real one from a kubeconfig. */
async function connectCluster(options: LocalRuntimeOptions, log: (m: string) => void): Promise<LocalCluster> {
  if (options.kubeconfig) {
    log(`cluster: ${options.kubeconfig.path}${options.kubeconfig.context ? ` (context ${options.kubeconfig.context})` : ''}`);
    const prometheusUrl = process.env.PROMETHEUS_URL;
    return {
      registration: { id: 'local', default: true, target: { kind: 'kubeconfig', path: options.kubeconfig.path, context: options.kubeconfig.context } },
      metrics: prometheusUrl ? PrometheusMetricsSource.fromOptions({ url: prometheusUrl }) : undefined,
    };
  }
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'meshplane-'));
  const sim = await startSimCluster({ ...options.sim, statePath: options.sim?.statePath ?? (options.dataDir ? join(options.dataDir, 'cluster.json') : undefined) });
  const kubeconfigPath = join(dir, 'kubeconfig');
  await sim.writeKubeconfig(kubeconfigPath, 'meshplane-local');
  log(`simulated cluster: ${sim.url}; kubectl --kubeconfig ${kubeconfigPath} get pods -A -o wide`);
  return {
    registration: { id: 'local', default: true, target: { kind: 'simulated', url: sim.url } },
    sim,
    kubeconfigPath,
    metrics: PrometheusMetricsSource.fromOptions({ url: sim.url }),
  };
}

export interface LocalHandlers {
  api: ApiHandler;
  queues: Record<QueueDefinition['id'], SqsHandler>;
  /** Scheduled functions by name, with their period in (uncompressed) seconds. */
  schedules?: Record<string, { periodSeconds: number; handler: ScheduledHandler }>;
}

export interface LocalRuntimeOptions {
  /** HTTP port; 0 picks a free one. */
  port: number;
  /** Keeps state across restarts; in-memory when absent. */
  dataDir?: string;
  /** LocalStack (or any AWS-compatible endpoint): use it instead of starting emulators. */
  endpoint?: string;
  /** Seconds before a failed record is retried (Lambda uses the queue's; locally shorter is friendlier). */
  visibilityTimeoutSeconds?: number;
  maxReceiveCount?: number;
  /** Builds the handlers for an app: the entry point passes the real Lambda handlers here. */
  wire: (app: App) => LocalHandlers | Promise<LocalHandlers>;
  /** A real cluster instead of the simulated one. */
  kubeconfig?: { path: string; context?: string };
  /** Options of the simulated cluster. */
  sim?: SimClusterOptions;
  /** Multiplies rollout waits (and speeds up simulated time to match): 0.02 runs a 60 s pause in 1.2 s. */
  timeFactor?: number;
  /** Remediation policy of the health handlers; the platform default (or REMEDIATION_POLICY's) when absent. */
  remediationPolicy?: RemediationPolicy;
  log?: (message: string) => void;
}

export interface LocalRuntime {
  url: string;
  app: App;
  queues: ProvisionedQueue[];
  /** The simulated cluster, unless a kubeconfig was given. */
  sim?: SimCluster;
  /** A kubeconfig for the simulated cluster (`kubectl --kubeconfig PATH get pods -A -o wide`). */
  kubeconfigPath?: string;
  rollouts: LocalRolloutRunner;
  stop(): Promise<void>;
}

/**
 * The whole control plane in one process: emulators (or LocalStack), the same table and queues the CDK
 * stack creates, pollers that behave like Lambda's SQS event source, and the HTTP API.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const log = options.log ?? (() => undefined);
  let emulators: Emulators | undefined;
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const base: Omit<RuntimeConfig, 'queueUrls'> = options.endpoint
    ? { region: process.env.AWS_REGION ?? 'us-east-1', endpoint: options.endpoint, tableName: TABLE.name, credentials: process.env.AWS_ACCESS_KEY_ID ? undefined : credentials }
    : await (async () => {
        emulators = await startEmulators(options.dataDir);
        log(`emulators: DynamoDB ${emulators.dynamodbEndpoint}, SQS ${emulators.sqsEndpoint}`);
        return { region: 'us-east-1', endpoints: { dynamodb: emulators.dynamodbEndpoint, sqs: emulators.sqsEndpoint }, tableName: TABLE.name, credentials };
      })();

  const provisional: RuntimeConfig = { ...base, queueUrls: { serviceEvents: '', deployRequests: '', healthAlarms: '' } };
  const dynamo = new DynamoDBClient(awsClientConfig(provisional, 'dynamodb'));
  const sqs = new SQSClient(awsClientConfig(provisional, 'sqs'));
  await provisionTable(dynamo, base.tableName);
  const queues = await provisionQueues(sqs, { maxReceiveCount: options.maxReceiveCount });
  const config: RuntimeConfig = { ...base, queueUrls: Object.fromEntries(queues.map((q) => [q.definition.id, q.url])) as RuntimeConfig['queueUrls'] };

  const cluster = await connectCluster(options, log);
  const timeFactor = options.timeFactor ?? 1;
  let dispatch: RolloutTaskFunction | undefined;
  const rollouts = new LocalRolloutRunner({ task: (payload) => dispatch!(payload), timeFactor });
  const app = createApp(config, {
    metrics: cluster.metrics,
    workflow: new LocalRolloutWorkflow(rollouts),
    // Pod waits follow compressed time, like every other wait here.
    podWaitMs: Math.max(200, DEFAULT_POD_WAIT_MS * timeFactor),
    remediationPolicy: options.remediationPolicy,
  });
  dispatch = createRolloutTaskDispatcher(app);
  await registerCluster(app, cluster.registration);
  const simTime = cluster.sim ? driveSimTime((s) => cluster.sim!.advanceTime(s), timeFactor) : undefined;
  const handlers = await options.wire(app);
  // Executions live in this process: after a restart with a data directory, pick running rollouts up
  // again (their tasks are idempotent, so starting over from the first step converges).
  for (const service of await app.store.listAllServices()) {
    const resumed = await startNextRollout(app, service.name).catch((err) => log(`could not resume rollouts of ${service.name}: ${(err as Error).message}`));
    if (resumed) log(`resumed rollout ${resumed.id} of ${service.name}`);
  }

  const pollers: SqsPoller[] = [];
  for (const q of queues) {
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.url, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn ?? q.definition.name;
    const poller = new SqsPoller({
      client: sqs,
      queueUrl: q.url,
      queueArn: arn,
      functionName: q.definition.id,
      handler: handlers.queues[q.definition.id],
      batchSize: q.definition.batchSize,
      concurrency: Math.min(q.definition.maxConcurrency, 4),
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 10,
      onInvokeError: (err) => log(`queue ${q.definition.name}: ${(err as Error).message}`),
    });
    poller.start();
    pollers.push(poller);
  }
  const timers = Object.entries(handlers.schedules ?? {}).map(([name, s]) =>
    every(name, Math.max(250, s.periodSeconds * 1000 * timeFactor), s.handler, (err) => log(`${name}: ${(err as Error).message}`)),
  );
  const http = await startHttpFrontDoor(handlers.api, options.port);

  return {
    url: http.url,
    app,
    queues,
    sim: cluster.sim,
    kubeconfigPath: cluster.kubeconfigPath,
    rollouts,
    async stop() {
      await http.stop();
      await Promise.all(timers.map((t) => t.stop()));
      await Promise.all(pollers.map((p) => p.stop()));
      simTime?.stop();
      await rollouts.close();
      await cluster.sim?.stop();
      dynamo.destroy();
      sqs.destroy();
      await emulators?.stop();
    },
  };
}

import { localAdminAccess } from '../api/admin-access.js';
import { createApp, type App } from '../composition/create-app.js';
import type { RemediationPolicy } from '../health/remediation-policy.js';
import type { QueueDefinition } from '../platform/resources.js';
import { LocalRolloutRunner } from './local-rollout-runner.js';
import type { RolloutTaskFunction } from '../model/rollout-task-contract.js';
import type { SimCluster, SimClusterOptions } from '../sim/index.js';
import { registerCluster } from '../usecases/clusters/cluster-registry.js';
import { DEFAULT_POD_WAIT_MS } from '../usecases/shared/rollout-deps.js';
import { createRolloutTaskDispatcher } from '../usecases/rollouts/rollout-task-dispatcher.js';
import { startNextRollout } from '../usecases/rollouts/start-next-rollout.js';
import { startAwsBacking } from './aws-backing.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { sqsDataDir } from './emulators.js';
import { releaseInflightMessages } from './release-inflight.js';
import { startHttpFrontDoor, type ApiHandler } from './http-front-door.js';
import { connectLocalCluster, startExtraSimClusters } from './local-cluster.js';
import { LocalRolloutWorkflow } from './local-rollout-workflow.js';
import { LocalReleaseRunner } from './local-release-runner.js';
import { LocalReleaseWorkflow } from './local-release-workflow.js';
import type { ReleaseTaskFunction } from '../model/release-task-contract.js';
import { createReleaseTaskDispatcher } from '../usecases/releases/release-task-dispatcher.js';
import { reconcileReleases } from '../usecases/releases/reconcile-releases.js';
import type { ProvisionedQueue } from './provision.js';
import { every, type ScheduledHandler } from './schedule.js';
import { driveSimTime } from './sim-time-driver.js';
import { localQueueSettings, SqsPoller, type SqsHandler } from './sqs-poller.js';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { AuditEventFeed } from './audit-event-feed.js';
import { AuditEventHub } from './audit-event-hub.js';
import { localRoutes } from './local-routes.js';
import { localLambdaContext } from './lambda-context.js';
import { PrometheusTelemetry } from './prometheus-telemetry.js';
import { emulateTableStream } from './table-stream-emulation.js';

export interface LocalHandlers {
  api: ApiHandler;
  queues: Record<QueueDefinition['id'], SqsHandler>;
  /** Scheduled functions by name, with their period in (uncompressed) seconds. */
  schedules?: Record<string, { periodSeconds: number; handler: ScheduledHandler }>;
  /** The consumer of the state table's change stream (publish-events), fed by the emulated stream. */
  tableStream?: (event: DynamoDBStreamEvent, context: ReturnType<typeof localLambdaContext>) => Promise<unknown>;
}

/** What the local runtime offers the handlers in place of AWS services: the event bus and the metrics. */
export interface LocalServices {
  /** Audit events published by the table stream's consumer (EventBridge on AWS). */
  events: AuditEventHub;
  /** The functions' counters (CloudWatch metrics on AWS), served by `GET /metrics`. */
  telemetry: PrometheusTelemetry;
}

export interface LocalRuntimeOptions {
  /** HTTP port; 0 picks a free one. */
  port: number;
  /** Keeps state across restarts; in-memory when absent. */
  dataDir?: string;
  /** LocalStack (or any AWS-compatible endpoint): use it instead of starting emulators. */
  endpoint?: string;
  /**
   * Seconds before a failed record is retried. By default each queue's definition, compressed by
   * timeFactor but never below its handler timeout (see localQueueSettings); set it only in tests.
   */
  visibilityTimeoutSeconds?: number;
  /**
   * Where the embedded emulators run: in this thread (default: starts in ~0.4 s, what tests want), or on
   * a worker thread of their own, so the API's event loop never waits behind their work (`meshplane
   * local` and bench:soak; the thread costs ~3 s more at start, loading its own modules). With 'thread'
   * each simulated cluster runs on a thread of its own too (lib/local/sim-thread.ts); its faults, state
   * and zone traffic are then served over its HTTP API (`/sim/…`) only.
   */
  emulators?: 'thread' | 'in-process';
  /** Receives before a message moves to its DLQ; each queue's definition by default (tests only). */
  maxReceiveCount?: number;
  /** Builds the handlers for an app: the entry point passes the real Lambda handlers here. */
  wire: (app: App, local: LocalServices) => LocalHandlers | Promise<LocalHandlers>;
  /** A real cluster instead of the simulated one. */
  kubeconfig?: { path: string; context?: string };
  /** Options of the simulated cluster. */
  sim?: SimClusterOptions;
  /**
   * Simulated clusters to start (default 1): the first is `local`, the default; the others `local-2` …
   * `local-N`, each with its own kubeconfig, nodes and zones, all registered. Ignored with `kubeconfig`.
   */
  simClusters?: number;
  /** Multiplies rollout waits (and speeds up simulated time to match): 0.02 runs a 60 s pause in 1.2 s. */
  timeFactor?: number;
  /**
   * Remediation policy of the health handlers; the platform default when absent. The runtime does not
   * read REMEDIATION_POLICY itself: `meshplane local` parses it and passes it here.
   */
  remediationPolicy?: RemediationPolicy;
  /** Cluster registrations may name kubeconfig files inside this directory (symlinks may not leave it). */
  kubeconfigDir?: string;
  /** Registered kubeconfigs may run exec credential plugins and auth-providers. */
  allowExecPlugins?: boolean;
  /** Cluster changes need `Authorization: Bearer <adminToken>`; without one, only requests from this machine that no web page sent. */
  adminToken?: string;
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
  /** Every simulated cluster, the default `local` first (`simClusters`). */
  simClusters: { id: string; sim: SimCluster; kubeconfigPath: string }[];
  rollouts: LocalRolloutRunner;
  /** The local event bus and metrics (see LocalServices). */
  local: LocalServices;
  /** Release train executions. */
  releases: LocalReleaseRunner;
  stop(): Promise<void>;
}

/**
 * The whole control plane in one process: emulators (or LocalStack), the same table and queues the CDK
 * stack creates, pollers that behave like Lambda's SQS event source, and the HTTP API.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const log = options.log ?? (() => undefined);
  const timeFactor = options.timeFactor ?? 1;
  const lock = options.dataDir ? takeDataDir(options.dataDir, !options.endpoint, log) : undefined;
  const aws = await startAwsBacking(options, log).catch((err: unknown) => {
    lock?.release();
    throw err;
  });
  const simThread = options.emulators === 'thread';
  const cluster = await connectLocalCluster({ ...options, simThread }, log);
  const extraClusters = await startExtraSimClusters({ ...options, simThread }, log).catch(async (err: unknown) => {
    await cluster.sim?.stop();
    throw err;
  });

  let dispatch: RolloutTaskFunction | undefined;
  const rollouts = new LocalRolloutRunner({ task: (payload) => dispatch!(payload), timeFactor });
  let releaseTask: ReleaseTaskFunction | undefined;
  const releases = new LocalReleaseRunner({ task: (request) => releaseTask!(request), timeFactor });
  const local: LocalServices = { events: new AuditEventHub(), telemetry: new PrometheusTelemetry() };
  const stream = new StreamFeed(log);
  const app = createApp(
    { ...aws.config, observeTableWrites: (client) => emulateTableStream(client, (records) => stream.push(records)) },
    {
      metrics: cluster.metrics,
      workflow: new LocalRolloutWorkflow(rollouts),
      releases: new LocalReleaseWorkflow(releases),
      // Pod waits follow compressed time, like every other wait here.
      podWaitMs: Math.max(200, DEFAULT_POD_WAIT_MS * timeFactor),
      telemetry: local.telemetry,
      remediationPolicy: options.remediationPolicy,
      adminAccess: localAdminAccess({ token: options.adminToken }),
      kubeconfigPolicy: {
        allowedDir: options.kubeconfigDir,
        allowExecPlugins: options.allowExecPlugins,
        // The operator named this file at start: it is used as kubectl would use it (exec plugins included).
        trustedPaths: options.kubeconfig ? [options.kubeconfig.path] : [],
      },
    },
  );
  log(describeTrust(options));
  dispatch = createRolloutTaskDispatcher(app);
  releaseTask = createReleaseTaskDispatcher(app);
  // The operator named these at start: registered as they are, even while a real cluster does not answer yet.
  for (const c of [cluster, ...extraClusters]) await registerCluster({ ...app, clusters: undefined }, c.registration);
  const sims = [cluster, ...extraClusters].flatMap((c) => (c.sim ? [c.sim] : []));
  const simTime = sims.length ? driveSimTime((s) => Promise.all(sims.map((sim) => sim.advanceTime(s))).then(() => undefined), timeFactor) : undefined;
  const handlers = await options.wire(app, local);
  stream.start(handlers.tableStream);
  await resumeRollouts(app, log);
  await resumeReleases(app, log);

  const pollers = aws.queues.map((q) => {
    const settings = localQueueSettings(q.definition, timeFactor, options.visibilityTimeoutSeconds);
    const poller = new SqsPoller({
      client: aws.sqs,
      queueUrl: q.url,
      queueArn: q.arn,
      functionName: q.definition.id,
      handler: handlers.queues[q.definition.id],
      batchSize: q.definition.batchSize,
      concurrency: Math.min(q.definition.maxConcurrency, 4),
      ...settings,
      onInvokeError: (err) => log(`queue ${q.definition.name}: ${(err as Error).message}`),
    });
    poller.start();
    return poller;
  });
  const timers = Object.entries(handlers.schedules ?? {}).map(([name, s]) =>
    every(name, Math.max(250, s.periodSeconds * 1000 * timeFactor), s.handler, (err) => log(`${name}: ${(err as Error).message}`)),
  );
  // The dashboard at `/` and GET /v1/events/stream, fed by the local bus (numbered for Last-Event-ID).
  const feed = new AuditEventFeed();
  local.events.subscribe((event) => feed.publish([event]));
  const http = await startHttpFrontDoor(
    handlers.api,
    options.port,
    undefined,
    undefined,
    { 'GET /metrics': () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: local.telemetry.render() }) },
    localRoutes(feed),
  );

  return {
    url: http.url,
    app,
    queues: aws.queues,
    sim: cluster.sim,
    kubeconfigPath: cluster.kubeconfigPath,
    simClusters: [cluster, ...extraClusters].flatMap((c) =>
      c.sim && c.kubeconfigPath ? [{ id: c.registration.id, sim: c.sim, kubeconfigPath: c.kubeconfigPath }] : [],
    ),
    rollouts,
    local,
    releases,
    async stop() {
      await http.stop();
      await Promise.all(timers.map((t) => t.stop()));
      await Promise.all(pollers.map((p) => p.stop()));
      simTime?.stop();
      await releases.close();
      await rollouts.close();
      await stream.drain();
      await Promise.all([cluster, ...extraClusters].map((c) => c.sim?.stop()));
      await aws.stop();
      lock?.release();
    },
  };
}

/**
 * One runtime per data directory (data-dir-lock.ts). After a crash, the messages the dead process had
 * received are handed back at once instead of after their visibility timeout: the work it was doing
 * starts again within seconds of the restart.
 */
function takeDataDir(dataDir: string, emulated: boolean, log: (m: string) => void): DataDirLock {
  const lock = lockDataDir(dataDir);
  if (lock.previousOwnerDied && emulated) {
    const released = releaseInflightMessages(sqsDataDir(dataDir));
    log(`the last runtime on ${dataDir} did not stop cleanly; ${released} message(s) it had in work are queued again`);
  }
  return lock;
}

/** What the local API trusts, for the start screen. */
function describeTrust(options: LocalRuntimeOptions): string {
  const admin = options.adminToken
    ? 'cluster changes need the admin token (Authorization: Bearer …)'
    : 'the API trusts programs on this machine (it listens on 127.0.0.1; requests from web pages are refused); set MESHPLANE_ADMIN_TOKEN to require a token for cluster changes';
  const files = options.kubeconfigDir ? `kubeconfig files from ${options.kubeconfigDir}` : 'inline kubeconfigs only (--kubeconfig-dir allows files)';
  return `access: ${admin}; clusters: ${files}, exec plugins ${options.allowExecPlugins ? 'allowed' : 'refused (--allow-exec-plugins)'}`;
}

/**
 * Executions live in this process: after a restart with a data directory, pick running rollouts up
 * again (their tasks are idempotent, so starting over from the first step converges).
 */
async function resumeRollouts(app: App, log: (m: string) => void): Promise<void> {
  for (const service of await app.store.listAllServices()) {
    const resumed = await startNextRollout(app, service.name).catch((err) => log(`could not resume rollouts of ${service.name}: ${(err as Error).message}`));
    if (resumed) log(`resumed rollout ${resumed.id} of ${service.name}`);
  }
}

/**
 * Hands the emulated stream's records to the stream consumer one batch after another, in order, like
 * Lambda's event source mapping (records that arrive before the consumer exists wait for it). A batch
 * the consumer fails is logged and dropped: locally the events feed the dashboard and metrics only.
 */
class StreamFeed {
  private chain: Promise<void> = Promise.resolve();
  private waiting: DynamoDBStreamEvent['Records'][] = [];
  private consumer?: NonNullable<LocalHandlers['tableStream']>;

  constructor(private readonly log: (m: string) => void) {}

  push(records: DynamoDBStreamEvent['Records']): void {
    if (!this.consumer) {
      this.waiting.push(records);
      return;
    }
    const consumer = this.consumer;
    this.chain = this.chain.then(() =>
      consumer({ Records: records }, localLambdaContext('publish-events', 30_000)).then(
        () => undefined,
        (err: unknown) => this.log(`publish-events: ${(err as Error).message}`),
      ),
    );
  }

  start(consumer: LocalHandlers['tableStream']): void {
    if (!consumer) {
      this.waiting = [];
      return;
    }
    this.consumer = consumer;
    for (const records of this.waiting.splice(0)) this.push(records);
  }

  drain(): Promise<void> {
    return this.chain;
  }
}

/** Release executions live in this process too: after a restart, each unended release resumes (or is ended with the reason). */
async function resumeReleases(app: App, log: (m: string) => void): Promise<void> {
  const result = await reconcileReleases(app).catch((err: unknown) => ({ resumed: [], errors: [(err as Error).message] }));
  for (const id of result.resumed) log(`resumed release ${id}`);
  for (const error of result.errors) log(`could not resume a release: ${error}`);
}

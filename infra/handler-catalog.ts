/**
 * The control plane's Lambda functions as data: what each runs, what invokes it and what it needs.
 * The stack builds every function, trigger, environment variable and permission from this list, so
 * adding a handler is one entry here.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { QUEUES, type QueueDefinition } from '../lib/platform/resources.js';

/** What invokes a function. */
export type HandlerTrigger =
  /** `ANY /v1/{proxy+}` on the HTTP API. */
  | { kind: 'httpApi' }
  /** The event source mapping of one of the {@link QUEUES}. */
  | { kind: 'queue'; queue: QueueDefinition['id'] }
  /** The rollout state machine's task states (`arn:aws:states:::lambda:invoke`). */
  | { kind: 'rolloutTask' }
  /** EventBridge Scheduler, with a `rate(...)` or `cron(...)` expression. */
  | { kind: 'schedule'; expression: string; timeoutSeconds: number }
  /** The state table's change stream, filtered to new audit event items (`AUDIT_EVENT_STREAM_FILTER`). */
  | { kind: 'tableStream' };

export type QueueId = QueueDefinition['id'];

/**
 * What a function does to the state table:
 * - `readWrite`: reads, writes, and deletes items (a service change drops caller edges in its transaction);
 * - `readWriteNoDelete`: reads and writes, never deletes or scans; `deletesOnly` may allow deleting
 *   items whose partition key starts with one of its prefixes (IAM `dynamodb:LeadingKeys`);
 * - `none`: no table action (a stream consumer reads the stream, which its trigger grants).
 */
export type TableAccess = 'readWrite' | 'readWriteNoDelete' | 'none';

/**
 * What a function does in the clusters, granted per cluster through its role's access entry
 * (`infra/cluster-access-plan.ts` turns it into access policies):
 * - `edit`: changes meshplane's objects in the namespaces it manages (namespaced scope);
 * - `viewCluster`: reads nodes (cluster-scoped) and pods of every namespace (cluster scope, read-only).
 */
export interface KubernetesNeeds {
  edit: boolean;
  viewCluster: boolean;
}

/**
 * Everything a function's own role is allowed, declared next to the handler. The stack builds the role
 * from this and nothing else (the queue a function consumes is granted by its trigger).
 */
export interface HandlerNeeds {
  table: TableAccess;
  /** Partition-key prefixes a `readWriteNoDelete` function may still delete (e.g. `CLUSTER#`). */
  deletesOnly?: string[];
  /** Queues it sends to. */
  sendsTo?: QueueId[];
  /** Starts rollout executions and reads their state (states:StartExecution/DescribeExecution, STATE_MACHINE_ARN). */
  startsRollouts?: boolean;
  /** Queries Prometheus / AMP (PROMETHEUS_URL, aps:QueryMetrics). */
  queriesMetrics?: boolean;
  /**
   * Judges workload metrics (the rollout analysis, the health probe): with the `metricsSource: cloudwatch`
   * context, METRICS_SOURCE=cloudwatch and cloudwatch:GetMetricData (see lib/composition/handlers.ts).
   */
  analysesMetrics?: boolean;
  /** Receives and deletes the queues' dead letters (their `dlqUrlEnv` variables, sqs:ReceiveMessage/DeleteMessage). */
  drainsDeadLetters?: boolean;
  /** Reads CloudWatch alarm tags (the third way an alarm names its service). */
  readsAlarmTags?: boolean;
  /** Calls the clusters (absent: no access entry, no eks:DescribeCluster, no sts:AssumeRole). */
  kubernetes?: KubernetesNeeds;
  /** Puts events on the stack's EventBridge bus (events:PutEvents on it, EVENT_BUS_NAME). */
  publishesEvents?: boolean;
}

/** One Lambda function of the control plane. */
export interface HandlerDefinition {
  /** Construct id and function name suffix, e.g. `on-service-event`. */
  id: string;
  /** Handler module, relative to the project root; it exports `handler`. */
  entry: string;
  description: string;
  trigger: HandlerTrigger;
  /**
   * Queues it also consumes besides its trigger (the function timeout still follows `trigger`; each
   * queue's visibility timeout must cover it six times).
   */
  alsoConsumes?: QueueId[];
  needs: HandlerNeeds;
  memorySizeMb: number;
  /** Deployed only once its entry file exists (a handler that is planned but not written yet). */
  whenPresent?: boolean;
  /**
   * Files (project-relative) copied next to the bundle: what bundled code loads by URL relative to
   * itself, such as a WebAssembly binary.
   */
  assets?: string[];
}

/** API Gateway HTTP APIs give an integration at most 30 s; answer before that. */
export const HTTP_API_FUNCTION_TIMEOUT_SECONDS = 29;
/** Each task state of the rollout machine times out after 120 s (`lib/rollout/state-machine.ts`); stay well inside. */
export const ROLLOUT_TASK_FUNCTION_TIMEOUT_SECONDS = 100;
/**
 * AWS's guidance for SQS event sources: the queue's visibility timeout at least six times the function
 * timeout, so a batch retried after throttling is not made visible again while still in flight.
 */
export const VISIBILITY_TIMEOUT_PER_FUNCTION_TIMEOUT = 6;

/** A batch of up to 100 audit events is a few PutEvents calls. */
export const TABLE_STREAM_FUNCTION_TIMEOUT_SECONDS = 60;

/** The HiGHS ILP solver loads its WebAssembly binary from beside the module (`new URL('highs.wasm', import.meta.url)`). */
export const HIGHS_WASM = 'node_modules/highs/build/highs.wasm';

/** Edits meshplane's objects in its namespaces; no cluster-wide reads. */
const EDIT_NAMESPACES: KubernetesNeeds = { edit: true, viewCluster: false };
/** Edits in its namespaces and reads nodes and every namespace's pods. */
const EDIT_AND_VIEW_CLUSTER: KubernetesNeeds = { edit: true, viewCluster: true };

export const HANDLERS: readonly HandlerDefinition[] = [
  {
    id: 'publish-events',
    entry: 'functions/publish-events.ts',
    description: 'Publishes committed audit events (the state table stream) to the EventBridge bus, and counts them as metrics',
    trigger: { kind: 'tableStream' },
    // Reads the stream only (granted by its event source), writes nothing to the table.
    needs: { table: 'none', publishesEvents: true },
    memorySizeMb: 256,
  },
  {
    id: 'api',
    entry: 'functions/api.ts',
    description: 'meshplane HTTP API v1 (API Gateway HTTP API, payload v2)',
    trigger: { kind: 'httpApi' },
    // Accepts work (an operation, then a message) and reads the store: never a cluster, never a scan.
    // It deletes one kind of item: a cluster registration (DELETE /v1/clusters/{id}).
    needs: { table: 'readWriteNoDelete', deletesOnly: ['CLUSTER#'], sendsTo: ['serviceEvents', 'deployRequests', 'healthAlarms', 'optimizerRuns'] },
    memorySizeMb: 1024,
    // GET /v1/openapi.json serves this file, generated from the routes by the tests.
    assets: ['lib/api/openapi.json'],
  },
  {
    id: 'on-service-event',
    entry: 'functions/on-service-event.ts',
    description: 'Applies service.registered / updated / deregistered events to the clusters, and service.converge requests',
    trigger: { kind: 'queue', queue: 'serviceEvents' },
    needs: { table: 'readWrite', kubernetes: EDIT_NAMESPACES },
    memorySizeMb: 1024,
  },
  {
    id: 'on-deploy-requested',
    entry: 'functions/on-deploy-requested.ts',
    description: 'Records deploy.requested events and starts their rollout executions',
    trigger: { kind: 'queue', queue: 'deployRequests' },
    // Ending a deployment whose execution is gone removes its canary (a service change, converged).
    needs: { table: 'readWrite', startsRollouts: true, kubernetes: EDIT_NAMESPACES },
    memorySizeMb: 1024,
  },
  {
    id: 'on-health-alarm',
    entry: 'functions/on-health-alarm.ts',
    description: 'Records health alarms and decides on them (from the store; cluster changes are queued to on-service-event)',
    trigger: { kind: 'queue', queue: 'healthAlarms' },
    // No cluster access: it decides on the pods and nodes the health probe last observed (the observed
    // documents), commits a remediation to the store and queues service.converge for on-service-event
    // to apply; a rollback is queued as a deploy request. It never deletes (a remediation changes no
    // dependency edge) and judges no metrics.
    needs: { table: 'readWriteNoDelete', sendsTo: ['deployRequests', 'serviceEvents'], readsAlarmTags: true },
    memorySizeMb: 1024,
  },
  {
    id: 'rollout-task',
    entry: 'functions/rollout-task.ts',
    description: 'The rollout state machine task: start, setWeight, analyze, promote, rollback, finish',
    trigger: { kind: 'rolloutTask' },
    // finish and rollback start the next deployment queued behind the one that ended.
    needs: { table: 'readWrite', queriesMetrics: true, analysesMetrics: true, startsRollouts: true, kubernetes: EDIT_NAMESPACES },
    memorySizeMb: 1024,
  },
  {
    id: 'health-probe',
    entry: 'functions/health-probe.ts',
    description: 'Probes the health signals of every service on a schedule',
    trigger: { kind: 'schedule', expression: 'rate(1 minute)', timeoutSeconds: 50 },
    // It also reconciles the rollout queue (an execution that ended without finishing its deployment)
    // and lifts pins to nodes that are gone (a service change, converged).
    needs: {
      table: 'readWrite',
      sendsTo: ['healthAlarms'],
      queriesMetrics: true,
      analysesMetrics: true,
      startsRollouts: true,
      kubernetes: EDIT_AND_VIEW_CLUSTER,
    },
    memorySizeMb: 1024,
    whenPresent: true,
  },
  {
    id: 'operations-sweeper',
    entry: 'functions/operations-sweeper.ts',
    description: 'Ends operations whose messages reached a dead-letter queue or whose deadline passed; sends unconfirmed ones',
    trigger: { kind: 'schedule', expression: 'rate(1 minute)', timeoutSeconds: 50 },
    // Sends the outbox of operations whose enqueue was never confirmed, to the queues operations travel on.
    needs: { table: 'readWrite', drainsDeadLetters: true, sendsTo: ['serviceEvents', 'deployRequests', 'optimizerRuns'] },
    memorySizeMb: 512,
  },
  {
    id: 'optimizer',
    entry: 'functions/optimizer.ts',
    description: 'Re-plans service placement across the clusters (on a schedule, and the runs POST /v1/optimizer/runs queues)',
    trigger: { kind: 'schedule', expression: 'rate(1 hour)', timeoutSeconds: 300 },
    alsoConsumes: ['optimizerRuns'],
    // Reads every node and pod (others' pods take capacity too); applies a plan as node affinity.
    needs: { table: 'readWrite', queriesMetrics: true, kubernetes: EDIT_AND_VIEW_CLUSTER },
    memorySizeMb: 2048,
    whenPresent: true,
    assets: [HIGHS_WASM],
  },
];

/** The queue definition a queue-triggered handler consumes. */
export function queueOf(trigger: Extract<HandlerTrigger, { kind: 'queue' }>): QueueDefinition {
  const queue = QUEUES.find((q) => q.id === trigger.queue);
  if (!queue) throw new Error(`handler trigger names unknown queue "${trigger.queue}"`);
  return queue;
}

/** The function timeout a handler gets, from what invokes it. */
export function functionTimeoutSeconds(handler: HandlerDefinition): number {
  const { trigger } = handler;
  switch (trigger.kind) {
    case 'httpApi':
      return HTTP_API_FUNCTION_TIMEOUT_SECONDS;
    case 'rolloutTask':
      return ROLLOUT_TASK_FUNCTION_TIMEOUT_SECONDS;
    case 'queue':
      // The same definition sets the local runtime's handler timeout, so the two cannot drift.
      return queueOf(trigger).functionTimeoutSeconds;
    case 'schedule':
      return trigger.timeoutSeconds;
    case 'tableStream':
      return TABLE_STREAM_FUNCTION_TIMEOUT_SECONDS;
  }
}

/** Every queue a handler consumes: its trigger's and `alsoConsumes`. */
export function consumedQueues(handler: HandlerDefinition): QueueId[] {
  return [...(handler.trigger.kind === 'queue' ? [handler.trigger.queue] : []), ...(handler.alsoConsumes ?? [])];
}

/** The handlers to deploy: all, minus `whenPresent` ones whose entry file does not exist yet. */
export function deployableHandlers(
  projectRoot: string,
  handlers: readonly HandlerDefinition[] = HANDLERS,
  exists: (path: string) => boolean = existsSync,
): HandlerDefinition[] {
  return handlers.filter((h) => !h.whenPresent || exists(join(projectRoot, h.entry)));
}

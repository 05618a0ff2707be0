/**
 * The platform's DynamoDB table and SQS queues, defined once. The CDK stack and the local runtime both
 * build their resources from these definitions, so the two cannot drift apart.
 */
import type { EventType } from '../model/events.js';

export const TABLE = {
  /** Logical name; the deployed table name comes from the environment (TABLE_NAME). */
  name: 'meshplane',
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  /** One GSI for listings (all services, all clusters, optimizer runs). */
  listingIndex: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
} as const;

export interface QueueDefinition {
  /** Logical id, also the environment variable suffix for its URL. */
  id: 'serviceEvents' | 'deployRequests' | 'healthAlarms' | 'optimizerRuns';
  /** Queue name (FIFO names end in .fifo). */
  name: string;
  dlqName: string;
  /** Event types that travel on this queue. */
  eventTypes: readonly EventType[];
  visibilityTimeoutSeconds: number;
  /**
   * Timeout of the consuming function, in the stack and in the local runtime alike. At most a sixth of
   * the visibility timeout (AWS's guidance), so a batch is never redelivered while still in work.
   */
  functionTimeoutSeconds: number;
  /** Receives before a message is moved to the DLQ. */
  maxReceiveCount: number;
  /** Records per handler invocation (Lambda event source batch size). */
  batchSize: number;
  /** Concurrent handler invocations (Lambda maximum concurrency). */
  maxConcurrency: number;
  /** Environment variable that carries the queue URL to senders. */
  urlEnv: string;
  /** Environment variable that carries the dead-letter queue's URL to the function that drains it. */
  dlqUrlEnv: string;
  /**
   * Content-based deduplication. Off everywhere meshplane is the only sender (it always sets an
   * explicit deduplication id, the operation or signal id); on only where another AWS service sends.
   */
  contentBasedDeduplication: boolean;
}

/**
 * Register, update and deregister share one FIFO queue on purpose: FIFO ordering holds only within a
 * queue, and a service's lifecycle events must be applied in the order they were accepted.
 */
export const QUEUES: readonly QueueDefinition[] = [
  {
    id: 'serviceEvents',
    name: 'meshplane-service-events.fifo',
    dlqName: 'meshplane-service-events-dlq.fifo',
    // service.converge shares the lifecycle's message group, so it never overtakes a change of its service.
    eventTypes: ['service.registered', 'service.updated', 'service.deregistered', 'service.converge'],
    // Converging a batch applies every object of each service with retries: give the consumer a
    // minute (Lambda's guidance: visibility ≥ 6 × function timeout).
    visibilityTimeoutSeconds: 360,
    functionTimeoutSeconds: 60,
    maxReceiveCount: 5,
    batchSize: 10,
    maxConcurrency: 10,
    urlEnv: 'SERVICE_EVENTS_QUEUE_URL',
    dlqUrlEnv: 'SERVICE_EVENTS_DLQ_URL',
    contentBasedDeduplication: false,
  },
  {
    id: 'deployRequests',
    name: 'meshplane-deploy-requests.fifo',
    dlqName: 'meshplane-deploy-requests-dlq.fifo',
    // A release train is recorded and its execution started by the same consumer as a deployment's.
    eventTypes: ['deploy.requested', 'release.requested'],
    visibilityTimeoutSeconds: 120,
    functionTimeoutSeconds: 20,
    maxReceiveCount: 5,
    batchSize: 10,
    maxConcurrency: 5,
    urlEnv: 'DEPLOY_REQUESTS_QUEUE_URL',
    dlqUrlEnv: 'DEPLOY_REQUESTS_DLQ_URL',
    contentBasedDeduplication: false,
  },
  {
    id: 'healthAlarms',
    name: 'meshplane-health-alarms.fifo',
    dlqName: 'meshplane-health-alarms-dlq.fifo',
    eventTypes: ['health.alarm'],
    visibilityTimeoutSeconds: 120,
    functionTimeoutSeconds: 20,
    maxReceiveCount: 5,
    batchSize: 10,
    maxConcurrency: 5,
    urlEnv: 'HEALTH_ALARMS_QUEUE_URL',
    dlqUrlEnv: 'HEALTH_ALARMS_DLQ_URL',
    // EventBridge rules deliver CloudWatch alarm events here and cannot set a deduplication id, so a
    // FIFO target needs content-based deduplication. meshplane's own sends still set an explicit id,
    // which takes precedence; alarm events carry a unique id and time, so no two differ only in name.
    contentBasedDeduplication: true,
  },
  {
    // Optimizer runs requested through the API run in the optimizer function, not in the request: the
    // solver gets minutes instead of the API's seconds. One message group, so runs never overlap.
    id: 'optimizerRuns',
    name: 'meshplane-optimizer-runs.fifo',
    dlqName: 'meshplane-optimizer-runs-dlq.fifo',
    eventTypes: ['optimizer.requested'],
    // The optimizer function's timeout is 300 s (its schedule trigger); visibility ≥ 6 × that.
    visibilityTimeoutSeconds: 1_800,
    functionTimeoutSeconds: 300,
    maxReceiveCount: 3,
    batchSize: 1,
    // Lambda's least maximum concurrency for an SQS event source.
    maxConcurrency: 2,
    urlEnv: 'OPTIMIZER_RUNS_QUEUE_URL',
    dlqUrlEnv: 'OPTIMIZER_RUNS_DLQ_URL',
    contentBasedDeduplication: false,
  },
];

export function queueForEvent(type: EventType): QueueDefinition {
  const queue = QUEUES.find((q) => q.eventTypes.includes(type));
  if (!queue) throw new Error(`no queue carries events of type ${type}`);
  return queue;
}

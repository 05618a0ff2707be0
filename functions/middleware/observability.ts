import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { lambdaMetrics } from '../../lib/adapters/telemetry/lambda-metrics.js';
import { METRICS } from '../../lib/observability/audit-metrics.js';
import { createLogger } from './logger.js';

type Handler<E, R> = (event: E, context: Context) => Promise<R>;

/**
 * What every deployed function does around its handler (the Lambda entry wrappers apply it; the local
 * runtime calls the handler factories directly):
 * - the Powertools logger gets the Lambda context (request id, cold start, function) and the
 *   correlation id of the work (see {@link correlationIdOf}) on every line;
 * - Powertools metrics: a `ColdStart` metric, the age of the oldest queue message of the batch
 *   (`QueueAgeMs`, a queue handler), and whatever the handler counted, flushed as EMF at the end.
 */
export function observed<E, R>(name: string, handler: Handler<E, R>): Handler<E, R> {
  const logger = createLogger(name);
  const metrics = lambdaMetrics();
  return middy(handler)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use({
      before: (request) => {
        const id = correlationIdOf(request.event, request.context);
        if (id) logger.appendKeys({ correlation_id: id });
        const age = oldestQueueAgeMs(request.event, Date.now());
        if (age !== undefined) metrics.addMetric(METRICS.queueAge, MetricUnit.Milliseconds, age);
      },
    }) as unknown as Handler<E, R>;
}

/** The fields of the events the functions receive that carry an id of the work. */
interface InvocationEvent {
  Records?: { eventSource?: string; body?: unknown; messageId?: unknown }[];
  headers?: Record<string, unknown>;
  requestContext?: { requestId?: unknown };
  deploymentId?: unknown;
}

/**
 * The id that ties a function's log lines to the work they serve: a queue message's envelope
 * `correlationId` (the operation that caused it), an API request's `x-correlation-id` header or API
 * Gateway request id, a rollout task's deployment id, else the Lambda request id. Pure.
 */
export function correlationIdOf(event: unknown, context?: Pick<Context, 'awsRequestId'>): string | undefined {
  const e = event as InvocationEvent | undefined;
  const record = Array.isArray(e?.Records) ? e.Records[0] : undefined;
  if (record?.eventSource === 'aws:sqs' && typeof record.body === 'string') {
    try {
      const envelope = JSON.parse(record.body) as { correlationId?: unknown };
      if (typeof envelope.correlationId === 'string' && envelope.correlationId) return envelope.correlationId;
    } catch {
      // not an envelope: fall through to the message id
    }
    if (typeof record.messageId === 'string') return record.messageId;
  }
  const header = e?.headers?.['x-correlation-id'];
  if (typeof header === 'string' && /^[\w.:-]{1,128}$/.test(header)) return header;
  if (typeof e?.requestContext?.requestId === 'string') return e.requestContext.requestId;
  if (typeof e?.deploymentId === 'string') return e.deploymentId;
  return context?.awsRequestId || undefined;
}

/** The age of the oldest message of an SQS batch (now − its `SentTimestamp`), or undefined for other events. Pure. */
export function oldestQueueAgeMs(event: unknown, nowMs: number): number | undefined {
  const records = (event as { Records?: { eventSource?: string; attributes?: { SentTimestamp?: string } }[] } | undefined)?.Records;
  if (!Array.isArray(records)) return undefined;
  const sent = records.flatMap((r) => (r.eventSource === 'aws:sqs' && r.attributes?.SentTimestamp ? [Number(r.attributes.SentTimestamp)] : []));
  const oldest = sent.filter(Number.isFinite).reduce((a, b) => Math.min(a, b), Infinity);
  return oldest === Infinity ? undefined : Math.max(0, nowMs - oldest);
}

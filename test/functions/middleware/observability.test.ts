import { describe, expect, it } from 'vitest';
import { correlationIdOf, oldestQueueAgeMs } from '../../../functions/middleware/observability.js';

const sqs = (bodies: string[], sent: number[] = []) => ({
  Records: bodies.map((body, i) => ({
    eventSource: 'aws:sqs',
    messageId: `m${i}`,
    body,
    attributes: sent[i] === undefined ? {} : { SentTimestamp: String(sent[i]) },
  })),
});

describe('the correlation id of an invocation', () => {
  it.each([
    ["a queue message's envelope", sqs([JSON.stringify({ correlationId: 'op-42' })]), 'op-42'],
    ['a queue message that is no envelope: its message id', sqs(['not json']), 'm0'],
    ["an API request's x-correlation-id header", { headers: { 'x-correlation-id': 'cli-7' }, requestContext: { requestId: 'gw-1' } }, 'cli-7'],
    ['a header that is not an id is ignored', { headers: { 'x-correlation-id': 'a b\nc' }, requestContext: { requestId: 'gw-1' } }, 'gw-1'],
    ['an API request without one: the API Gateway request id', { headers: {}, requestContext: { requestId: 'gw-1' } }, 'gw-1'],
    ['a rollout task: its deployment', { action: 'analyze', deploymentId: 'd-9' }, 'd-9'],
    ['a schedule: the Lambda request id', { 'detail-type': 'Scheduled Event' }, 'lambda-1'],
  ])('%s', (_, event, expected) => {
    expect(correlationIdOf(event, { awsRequestId: 'lambda-1' })).toBe(expected);
  });
});

describe('the age of the oldest message of a batch', () => {
  it('is now minus the earliest SentTimestamp', () => {
    expect(oldestQueueAgeMs(sqs(['a', 'b', 'c'], [5_000, 2_000, 9_000]), 10_000)).toBe(8_000);
  });
  it('is undefined for events that are not queue batches', () => {
    expect(oldestQueueAgeMs({ headers: {} }, 10_000)).toBeUndefined();
    expect(oldestQueueAgeMs(sqs(['a']), 10_000)).toBeUndefined();
  });
});

describe('observed: a deployed function logs with context and writes its metrics as EMF', () => {
  it('adds the correlation id to the handler’s log lines and flushes QueueAgeMs and the handler’s counters as EMF', async () => {
    const { observed } = await import('../../../functions/middleware/observability.js');
    const { createLogger } = await import('../../../functions/middleware/logger.js');
    const { lambdaMetrics } = await import('../../../lib/adapters/telemetry/lambda-metrics.js');
    const { EmfTelemetry } = await import('../../../lib/adapters/telemetry/emf-telemetry.js');
    const lines: string[] = [];
    // Powertools writes info and metrics to stdout, warnings to stderr.
    const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
    const capture = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    process.stdout.write = capture;
    process.stderr.write = capture;
    try {
      const telemetry = new EmfTelemetry(lambdaMetrics());
      const handler = observed('observed-test', async () => {
        createLogger('observed-test').warn('handled');
        telemetry.count({ name: 'RolloutsStarted', value: 1 });
        return 'ok';
      });
      const context = { awsRequestId: 'req-1', functionName: 'fn', getRemainingTimeInMillis: () => 10_000 } as never;
      expect(await handler(sqs([JSON.stringify({ correlationId: 'op-7' })], [Date.now() - 5_000]) as never, context)).toBe('ok');
    } finally {
      process.stdout.write = write.out;
      process.stderr.write = write.err;
    }
    const records = lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, any>);
    const log = records.find((r) => r.message === 'handled');
    expect(log).toMatchObject({ correlation_id: 'op-7', function_request_id: 'req-1' });
    const emf = records.filter((r) => r._aws?.CloudWatchMetrics);
    const names = emf.flatMap((r) => r._aws.CloudWatchMetrics.flatMap((m: { Metrics: { Name: string }[] }) => m.Metrics.map((x) => x.Name)));
    expect(names).toEqual(expect.arrayContaining(['QueueAgeMs', 'RolloutsStarted']));
    const age = emf.find((r) => 'QueueAgeMs' in r)!.QueueAgeMs as number;
    expect(age).toBeGreaterThanOrEqual(5_000);
  });
});

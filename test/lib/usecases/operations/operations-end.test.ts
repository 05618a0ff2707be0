/**
 * Every accepted operation ends, with the real queue (fauxqs), table (dynalite), poller and Lambda
 * handler: a failing service's records are given up on their last receive, a message that reaches
 * the DLQ ends its operation with the last error, and delivering envelopes twice changes nothing.
 */
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OUT_OF_TIME } from '../../../../functions/middleware/sqs-fifo-batch.js';
import type { TimeBudgetContext } from '../../../../functions/middleware/time-budget.js';
import { createServiceEventHandler } from '../../../../functions/on-service-event.js';
import type { App } from '../../../../lib/composition/create-app.js';
import { TransientError } from '../../../../lib/errors.js';
import { localLambdaContext } from '../../../../lib/local/lambda-context.js';
import { localQueueSettings, SqsPoller, type SqsHandler } from '../../../../lib/local/sqs-poller.js';
import type { ProvisionedQueue } from '../../../../lib/local/provision.js';
import type { EventEnvelope } from '../../../../lib/model/events.js';
import type { OperationRecord } from '../../../../lib/model/records.js';
import { ServiceSpec } from '../../../../lib/model/service-spec.js';
import { acceptOperation } from '../../../../lib/usecases/shared/accept-operation.js';
import { drainDeadLetters } from '../../../../lib/usecases/operations/drain-dead-letters.js';
import { requestRegistration } from '../../../../lib/usecases/services/request-service-change.js';
import { useTestStack, type TestStack } from '../../../support/local-stack.js';
import { minimalInput } from '../../../support/service-specs.js';
import { waitFor } from '../../../support/wait-for.js';

let poller: SqsPoller | undefined;

afterEach(async () => {
  await poller?.stop();
  poller = undefined;
});

/** Polls the service-events queue like the event source mapping, retrying failed records after `visibilitySeconds`. */
function startPolling(stack: TestStack, handler: SqsHandler, visibilitySeconds = 1): void {
  const queue = serviceEventsOf(stack);
  poller = new SqsPoller({
    client: stack.sqs,
    queueUrl: queue.url,
    queueArn: queue.arn,
    functionName: 'on-service-event',
    handler,
    batchSize: 10,
    concurrency: 2,
    ...localQueueSettings(queue.definition, 1, visibilitySeconds),
  });
  poller.start();
}

const serviceEventsOf = (stack: TestStack): ProvisionedQueue => stack.queues.find((q) => q.definition.id === 'serviceEvents')!;

/** An app whose cluster refuses every change to `broken` with a retryable error. */
function withBrokenService(app: App, broken: string, error: string): App {
  return {
    ...app,
    converger: {
      converge: async (record, previous) => {
        if (record.name === broken) throw new TransientError(error);
        await app.converger.converge(record, previous);
      },
    },
  };
}

async function ended(app: App, id: string, timeoutMs = 30_000): Promise<OperationRecord> {
  return waitFor(
    `operation ${id} to end`,
    async () => {
      const op = await app.store.getOperation(id);
      return op && op.status !== 'pending' ? op : undefined;
    },
    { timeoutMs, intervalMs: 100 },
  );
}

async function queueIsEmpty(stack: TestStack, url: string): Promise<true | undefined> {
  const res = await stack.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return res.Attributes?.ApproximateNumberOfMessages === '0' && res.Attributes?.ApproximateNumberOfMessagesNotVisible === '0' ? true : undefined;
}

describe('with the platform maxReceiveCount (the handler gives up on the last receive)', () => {
  const stack = useTestStack();
  let app: App;

  beforeAll(async () => {
    process.env.LOG_LEVEL = 'SILENT';
    app = stack().createApp();
  });

  it('a record failing at every receive ends failed on its last one with the error; the next of its service then runs', async () => {
    const spec = ServiceSpec.parse(minimalInput('broken'));
    // Two operations of one service (one message group): the register fails at every receive, the update waits behind it.
    const register = await acceptOperation(app, { kind: 'register', type: 'service.registered', service: 'broken', payload: { spec } });
    const update = await acceptOperation(app, { kind: 'update', type: 'service.updated', service: 'broken', payload: { spec: { ...spec, replicas: 2 } } });
    const fine = await requestRegistration(app, ServiceSpec.parse(minimalInput('fine')));
    startPolling(stack(), createServiceEventHandler(withBrokenService(app, 'broken', 'the API server is unreachable')));

    const registerEnd = await ended(app, register.id);
    expect(registerEnd.status).toBe('failed');
    expect(registerEnd.reason).toMatch(/^gave up after the last retry; .*: the API server is unreachable$/);
    // fauxqs hands out one message of a group at a time, so the update was not held back in a batch: it
    // ran after the register was given up, and ended too.
    expect(await ended(app, update.id)).toMatchObject({ status: 'failed', reason: 'service "broken" is not registered' });
    expect((await ended(app, fine.operation.id)).status).toBe('succeeded');
    expect(await app.store.getService('broken')).toBeUndefined();
    const trail = await app.store.listEvents('broken', { limit: 10 });
    expect(trail.items.filter((e) => e.type === 'OperationFailed').map((e) => e.operationId)).toContain(register.id);
    // Nothing is left for the sweep: both left the pending listing.
    const pending = (await app.store.listExpiredOperations('9999-01-01T00:00:00.000Z', 100)).map((op) => op.id);
    expect(pending).not.toContain(register.id);
    expect(pending).not.toContain(update.id);
  });

  it('delivering 20 % of the envelopes twice, for real, changes nothing', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `dup-${i}`);
    const sent: EventEnvelope[] = [];
    const recording: App = { ...app, queue: { send: async (e) => void (sent.push(e), await app.queue.send(e)) } };
    const deliveries = new Map<string, number>();
    const real = createServiceEventHandler(app);
    startPolling(
      stack(),
      async (event, context) => {
        for (const r of event.Records) deliveries.set(JSON.parse(r.body).id, (deliveries.get(JSON.parse(r.body).id) ?? 0) + 1);
        return real(event, context);
      },
      60,
    ); // nothing fails here: no redelivery but the duplicates sent
    const accepted = await Promise.all(names.map((name) => requestRegistration(recording, ServiceSpec.parse(minimalInput(name)))));
    // The same envelopes again, under a new deduplication id so SQS delivers them a second time.
    const queue = serviceEventsOf(stack());
    const twice = sent.filter((_, i) => i % 5 === 0);
    expect(twice).toHaveLength(2);
    for (const e of twice)
      await stack().sqs.send(
        new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify(e), MessageGroupId: e.service, MessageDeduplicationId: `${e.id}-again` }),
      );
    for (const { operation } of accepted) expect((await ended(app, operation.id)).status).toBe('succeeded');
    await waitFor('the queue to drain', () => queueIsEmpty(stack(), queue.url), { timeoutMs: 30_000, intervalMs: 100 });

    for (const e of sent) expect(deliveries.get(e.id)).toBe(twice.includes(e) ? 2 : 1);
    const shapes = await Promise.all(
      names.map(async (name) => {
        const service = await app.store.getService(name);
        const events = await app.store.listEvents(name, { limit: 50 });
        return { revision: service?.revision, version: service?.version, phase: service?.phase, events: events.items.map((e) => e.type) };
      }),
    );
    // A service delivered twice looks exactly like one delivered once.
    for (const shape of shapes) expect(shape).toEqual(shapes[1]);
    expect(shapes[0]).toMatchObject({ revision: 1, version: 1, phase: 'active' });
  });
});

/**
 * Lambda hands a FIFO batch several records of one message group (fauxqs hands out one at a time), so
 * these batches are built as Lambda delivers them and given to the real handler, store and use cases.
 */
describe('batches as Lambda delivers them', () => {
  const stack = useTestStack();
  let app: App;

  beforeAll(async () => {
    process.env.LOG_LEVEL = 'SILENT';
    app = stack().createApp();
  });

  async function acceptedRecord(service: string, receiveCount: number, kind: 'register' | 'update' = 'register'): Promise<SQSRecord> {
    const sent: EventEnvelope[] = [];
    const capture: App = { ...app, queue: { send: async (e) => void sent.push(e) } };
    const spec = ServiceSpec.parse(minimalInput(service));
    await acceptOperation(capture, { kind, type: kind === 'register' ? 'service.registered' : 'service.updated', service, payload: { spec } });
    return lambdaRecord(sent[0], receiveCount);
  }

  it('records held back behind a failed record of their group end failed on their last receive, naming the operation they waited for', async () => {
    const head = await acceptedRecord('held', 5);
    const behind = await acceptedRecord('held', 5, 'update');
    const earlier = await acceptedRecord('held', 3, 'update');
    const handler = createServiceEventHandler(withBrokenService(app, 'held', 'admission webhook denied the request'));
    const response = await handler({ Records: [head, behind, earlier] }, localLambdaContext('on-service-event', 60_000));
    expect(response?.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([head.messageId, behind.messageId, earlier.messageId]);

    const headId = JSON.parse(head.body).id as string;
    const heldReason = `held back behind operation ${headId} which failed: admission webhook denied the request`;
    expect(await app.store.getOperation(headId)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/admission webhook denied the request$/) });
    expect(await app.store.getOperation(JSON.parse(behind.body).id)).toMatchObject({ status: 'failed', reason: expect.stringContaining(heldReason) });
    // Not its last receive: it stays pending, and remembers why it was not applied.
    expect(await app.store.getOperation(JSON.parse(earlier.body).id)).toMatchObject({ status: 'pending', lastError: heldReason });
  });

  it('a batch cut by the time budget starts no record after it, and ends those on their last receive', async () => {
    const first = await acceptedRecord('slow-1', 1);
    const onLast = await acceptedRecord('slow-2', 5);
    const retried = await acceptedRecord('slow-3', 2);
    // One message group, so the three run one after another (groups of a batch run side by side).
    for (const r of [first, onLast, retried]) r.attributes.MessageGroupId = 'slow';
    // 1.5 s to go, 1 s safety margin: the budget fires while the first record is still in work.
    const context: TimeBudgetContext = localLambdaContext('on-service-event', 1_500);
    const slow: App = {
      ...app,
      converger: {
        converge: async (record, previous) => {
          if (!context.timeBudget!.aborted) await new Promise((resolve) => context.timeBudget!.addEventListener('abort', resolve));
          await app.converger.converge(record, previous);
        },
      },
    };
    const response = await createServiceEventHandler(slow)({ Records: [first, onLast, retried] }, context);
    expect(response?.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([onLast.messageId, retried.messageId]);
    expect(await app.store.getOperation(JSON.parse(first.body).id)).toMatchObject({ status: 'succeeded' });
    expect(await app.store.getOperation(JSON.parse(onLast.body).id)).toMatchObject({ status: 'failed', reason: expect.stringContaining(OUT_OF_TIME) });
    expect(await app.store.getOperation(JSON.parse(retried.body).id)).toMatchObject({ status: 'pending', lastError: OUT_OF_TIME });
  });
});

/** A record as Lambda's event source mapping delivers it from a FIFO queue. */
function lambdaRecord(envelope: EventEnvelope, receiveCount: number): SQSRecord {
  const messageId = randomUUID();
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: JSON.stringify(envelope),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(Date.now()),
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      MessageGroupId: envelope.service,
      MessageDeduplicationId: envelope.id,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:meshplane-service-events.fifo',
    awsRegion: 'us-east-1',
  };
}

describe('a message that reaches the DLQ', () => {
  // The queue moves a message to its DLQ after 2 receives, before the handler's give-up (at 5) fires:
  // what happens on AWS when the give-up itself could not be written.
  const stack = useTestStack({ maxReceiveCount: 2 });
  let app: App;

  beforeAll(async () => {
    process.env.LOG_LEVEL = 'SILENT';
    app = stack().createApp();
  });

  it('ends its operation failed with the last error when drained, then leaves the DLQ; draining again changes nothing', async () => {
    const { operation } = await requestRegistration(app, ServiceSpec.parse(minimalInput('doomed')));
    startPolling(stack(), createServiceEventHandler(withBrokenService(app, 'doomed', 'quota exceeded in namespace doomed')));
    await waitFor('the message in the DLQ', async () => (await dlqDepth(stack())) > 0 || undefined, { timeoutMs: 30_000, intervalMs: 100 });
    await poller?.stop();

    expect(await app.store.getOperation(operation.id)).toMatchObject({ status: 'pending', lastError: 'quota exceeded in namespace doomed' });
    const drained = await drainDeadLetters(app);
    expect(drained).toMatchObject({ read: 1, failed: 1, deleted: 1, kept: 0, errors: [] });
    const op = await app.store.getOperation(operation.id);
    expect(op?.status).toBe('failed');
    expect(op?.reason).toBe(
      'gave up: the message went to the dead-letter queue meshplane-service-events-dlq.fifo; last error: quota exceeded in namespace doomed',
    );
    expect(await dlqDepth(stack())).toBe(0);

    // A copy of the same message in the DLQ (a redrive, a duplicate): its operation has ended, so it is just deleted.
    const dlqUrl = serviceEventsOf(stack()).dlqUrl;
    const body = JSON.stringify({ id: operation.id, type: 'service.registered', service: 'doomed' });
    await stack().sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: body, MessageGroupId: 'doomed', MessageDeduplicationId: 'again' }));
    expect(await drainDeadLetters(app)).toMatchObject({ read: 1, failed: 0, deleted: 1 });
    expect(await app.store.getOperation(operation.id)).toEqual(op);
  });

  it('a letter naming no operation stays for a person; one whose operation recorded no error is failed naming the queue and receives', async () => {
    const dlqUrl = serviceEventsOf(stack()).dlqUrl;
    await stack().sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: 'not json at all', MessageGroupId: 'x', MessageDeduplicationId: 'junk' }));
    const spec = ServiceSpec.parse(minimalInput('silent'));
    const at = new Date().toISOString();
    await app.store.createOperation({ id: 'op-silent', kind: 'register', service: 'silent', status: 'pending', createdAt: at, updatedAt: at });
    await stack().sqs.send(
      new SendMessageCommand({
        QueueUrl: dlqUrl,
        MessageBody: JSON.stringify({ id: 'op-silent', payload: { spec } }),
        MessageGroupId: 'silent',
        MessageDeduplicationId: 'silent',
      }),
    );
    const drained = await drainDeadLetters(app);
    expect(drained).toMatchObject({ read: 2, failed: 1, deleted: 1, kept: 1 });
    expect((await app.store.getOperation('op-silent'))?.reason).toMatch(
      /dead-letter queue meshplane-service-events-dlq\.fifo; last error: no error was recorded \(it failed \d+ receives/,
    );
  });
});

async function dlqDepth(stack: TestStack): Promise<number> {
  const res = await stack.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: serviceEventsOf(stack).dlqUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(res.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(res.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}

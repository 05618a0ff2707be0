import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServiceEventHandler } from '../../../functions/on-service-event.js';
import type { App } from '../../../lib/composition/create-app.js';
import { SqsPoller, type SqsHandler } from '../../../lib/local/sqs-poller.js';
import type { ProvisionedQueue } from '../../../lib/local/provision.js';
import type { OperationRecord } from '../../../lib/model/records.js';
import { ServiceSpec } from '../../../lib/model/service-spec.js';
import type { ServiceConverger } from '../../../lib/ports/service-converger.js';
import { requestRegistration, requestUpdate } from '../../../lib/usecases/services/request-service-change.js';
import { useTestStack } from '../../support/local-stack.js';
import { minimalInput } from '../../support/service-specs.js';
import { waitFor } from '../../support/wait-for.js';

const MAX_RECEIVES = 2;

const stack = useTestStack({ maxReceiveCount: MAX_RECEIVES });
let app: App;
let serviceEvents: ProvisionedQueue;
let poller: SqsPoller | undefined;
/** Lets a handler held by a test go, so a failed test still stops its poller. */
let releaseHeldWork: (() => void) | undefined;

beforeAll(async () => {
  process.env.LOG_LEVEL = 'SILENT';
  app = stack().createApp();
  serviceEvents = stack().queues.find((q) => q.definition.id === 'serviceEvents')!;
});

afterEach(async () => {
  releaseHeldWork?.();
  releaseHeldWork = undefined;
  await poller?.stop();
  poller = undefined;
});

/** Polls the service-events queue with the real Lambda handler, like the event source mapping. */
function startPolling(handler: SqsHandler, options: { concurrency?: number; visibilityTimeoutSeconds?: number } = {}): void {
  poller = new SqsPoller({
    client: stack().sqs,
    queueUrl: serviceEvents.url,
    queueArn: `arn:aws:sqs:us-east-1:000000000000:${serviceEvents.definition.name}`,
    functionName: 'on-service-event',
    handler,
    batchSize: 10,
    concurrency: options.concurrency ?? 2,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 1,
    functionTimeoutSeconds: serviceEvents.definition.functionTimeoutSeconds,
  });
  poller.start();
}

async function settled(id: string): Promise<OperationRecord> {
  return waitFor(`operation ${id} to finish`, async () => {
    const op = await app.store.getOperation(id);
    return op && op.status !== 'pending' ? op : undefined;
  });
}

describe('SqsPoller with the service-event handler', () => {
  it('a poison message reaches the DLQ after maxReceiveCount receives while its batch neighbours succeed', async () => {
    const poison = 'this is not a meshplane event';
    await stack().sqs.send(
      new SendMessageCommand({ QueueUrl: serviceEvents.url, MessageBody: poison, MessageGroupId: 'poison', MessageDeduplicationId: 'poison-1' }),
    );
    const neighbours = await Promise.all(['n-one', 'n-two', 'n-three'].map((name) => requestRegistration(app, ServiceSpec.parse(minimalInput(name)))));

    const deliveries = new Map<string, number>();
    const real = createServiceEventHandler(app);
    startPolling(async (event: SQSEvent, context) => {
      for (const r of event.Records) deliveries.set(r.body, (deliveries.get(r.body) ?? 0) + 1);
      return real(event, context);
    });

    const dead = await waitFor(
      'the poison message in the DLQ',
      async () =>
        (await stack().sqs.send(new ReceiveMessageCommand({ QueueUrl: serviceEvents.dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }))).Messages?.[0],
      { intervalMs: 100 },
    );
    expect(dead.Body).toBe(poison);
    expect(deliveries.get(poison)).toBe(MAX_RECEIVES);

    for (const { operation } of neighbours) expect(await settled(operation.id)).toMatchObject({ status: 'succeeded' });
    for (const name of ['n-one', 'n-two', 'n-three']) expect(await app.store.getService(name)).toMatchObject({ phase: 'active', revision: 1 });
    // Every neighbour was handled exactly once: none was failed along with the poison message.
    for (const [body, count] of deliveries) if (body !== poison) expect(count).toBe(1);

    const attributes = await stack().sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: serviceEvents.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    expect(attributes.Attributes).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
  });

  it('operations on one service stay ordered while another service proceeds in parallel', async () => {
    // alpha's updates cannot finish until beta's have: its first update is held in the converger until
    // every beta operation has succeeded. beta can only get there if its message group is not stuck
    // behind alpha's, so the ordering shown below does not depend on timing.
    let alphaHeld!: () => void;
    const alphaStarted = new Promise<void>((resolve) => (alphaHeld = resolve));
    let releaseAlpha!: () => void;
    const alphaReleased = new Promise<void>((resolve) => (releaseAlpha = resolve));
    releaseHeldWork = releaseAlpha;
    const heldAlpha: ServiceConverger = {
      async converge(record) {
        if (record.name !== 'alpha' || record.spec.replicas === 0) return;
        alphaHeld();
        await alphaReleased;
      },
    };
    // The held batch must stay invisible while it waits (a redelivery would run alpha twice).
    startPolling(createServiceEventHandler({ ...app, converger: heldAlpha }), { concurrency: 2, visibilityTimeoutSeconds: 60 });

    const registered = await Promise.all(['alpha', 'beta'].map((name) => requestRegistration(app, ServiceSpec.parse(minimalInput(name, { replicas: 0 })))));
    for (const { operation } of registered) await settled(operation.id);

    const alphaUpdates: string[] = [];
    for (let replicas = 1; replicas <= 10; replicas++)
      alphaUpdates.push((await requestUpdate(app, 'alpha', ServiceSpec.parse(minimalInput('alpha', { replicas })))).operation.id);
    // Sent once alpha's first update is in flight, so no beta message can share (and wait in) its batch.
    await alphaStarted;
    const betaUpdates: string[] = [];
    for (let replicas = 1; replicas <= 3; replicas++)
      betaUpdates.push((await requestUpdate(app, 'beta', ServiceSpec.parse(minimalInput('beta', { replicas })))).operation.id);

    const betaOps = [];
    for (const id of betaUpdates) betaOps.push(await settled(id));
    expect(betaOps.map((op) => op.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(await app.store.getService('beta')).toMatchObject({ revision: 4, spec: { replicas: 3 } });
    // beta was sent after all of alpha's updates, yet finished while every one of them still waited.
    const alphaMeanwhile = await Promise.all(alphaUpdates.map((id) => app.store.getOperation(id)));
    expect(alphaMeanwhile.map((op) => op?.status)).toEqual(alphaUpdates.map(() => 'pending'));
    expect(await app.store.getService('alpha')).toMatchObject({ revision: 1, spec: { replicas: 0 } });

    releaseAlpha();
    const alphaOps = [];
    for (const id of alphaUpdates) alphaOps.push(await settled(id));
    expect(alphaOps.every((op) => op.status === 'succeeded')).toBe(true);

    // alpha: every update became a revision, in the order it was sent; the last one sent is live.
    const revisions = (await app.store.listRevisions('alpha', { limit: 100 })).items.reverse();
    expect(revisions.map((r) => r.revision)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(revisions.slice(1).map((r) => r.operationId)).toEqual(alphaUpdates);
    expect(revisions.map((r) => r.spec.replicas)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await app.store.getService('alpha')).toMatchObject({ revision: 11, version: 11, spec: { replicas: 10 }, lastOperationId: alphaUpdates.at(-1) });
    // Completion times follow the send order too.
    const alphaDone = alphaOps.map((op) => Date.parse(op.updatedAt));
    expect([...alphaDone].sort((a, b) => a - b)).toEqual(alphaDone);
  });
});

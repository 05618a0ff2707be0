import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, type EventEnvelope } from '../../../../lib/model/events.js';
import type { App } from '../../../../lib/composition/create-app.js';
import { acceptOperation } from '../../../../lib/usecases/shared/accept-operation.js';
import { operationDeadlineSeconds } from '../../../../lib/usecases/shared/operation-deadline.js';
import { sweepExpiredOperations } from '../../../../lib/usecases/operations/sweep-expired-operations.js';
import { ManualClock } from '../../../support/clock.js';
import { useTestStack } from '../../../support/local-stack.js';

const stack = useTestStack();
let app: App;
const clock = new ManualClock('2030-01-01T00:00:00.000Z');

beforeAll(async () => {
  app = stack().createApp({ clock });
});

const accept = (service: string, kind: 'register' | 'deploy' = 'register') =>
  acceptOperation(app, { kind, type: kind === 'register' ? 'service.registered' : 'deploy.requested', service, payload: {} });

describe('operation deadlines', () => {
  it.each([
    { type: 'service.registered' as const, seconds: 360 * 5 + 600 },
    { type: 'service.updated' as const, seconds: 360 * 5 + 600 },
    { type: 'service.deregistered' as const, seconds: 360 * 5 + 600 },
    { type: 'deploy.requested' as const, seconds: 120 * 5 + 600 },
  ])('$type: every receive its queue allows, plus the margin ($seconds s)', ({ type, seconds }) => {
    expect(operationDeadlineSeconds(type)).toBe(seconds);
  });

  it('an accepted operation carries its deadline', async () => {
    const op = await accept('dated');
    expect(op.deadline).toBe('2030-01-01T00:40:00.000Z');
    expect((await app.store.getOperation(op.id))?.deadline).toBe('2030-01-01T00:40:00.000Z');
    await app.store.completeOperation({ id: op.id, status: 'succeeded' }, []);
  });
});

describe('sweepExpiredOperations', () => {
  it('fails the pending operations past their deadline with a reason a person can act on, and only those', async () => {
    clock.set('2030-02-01T00:00:00.000Z');
    const lost = await accept('lost-message');
    const erring = await accept('erring');
    await app.store.noteOperationError(erring.id, 'the API server is unreachable');
    const done = await accept('done');
    await app.store.completeOperation({ id: done.id, status: 'succeeded' }, []);
    clock.advance(30 * 60_000);
    const young = await accept('young', 'deploy');

    clock.advance(11 * 60_000); // 41 min after the first three were accepted, 11 min after `young`
    const result = await sweepExpiredOperations(app);
    expect(result).toMatchObject({ expired: 2, failed: 2, errors: [] });

    const lostEnd = await app.store.getOperation(lost.id);
    expect(lostEnd?.status).toBe('failed');
    expect(lostEnd?.reason).toBe(
      'not finished by its deadline 2030-02-01T00:40:00.000Z; no attempt reported an error, so its message was probably lost. ' +
        "Check the service's events (GET /v1/services/lost-message/events) and send the request again",
    );
    expect((await app.store.getOperation(erring.id))?.reason).toMatch(/; the last error was: the API server is unreachable\. Check/);
    expect((await app.store.getOperation(done.id))?.status).toBe('succeeded');
    expect((await app.store.getOperation(young.id))?.status).toBe('pending');
    const trail = await app.store.listEvents('lost-message', { limit: 10 });
    expect(trail.items.map((e) => e.type)).toEqual(['OperationFailed']);

    // Ended operations leave the listing: a second sweep finds nothing.
    expect(await sweepExpiredOperations(app)).toMatchObject({ expired: 0, failed: 0 });
    await app.store.completeOperation({ id: young.id, status: 'succeeded' }, []);
  });

  it('the pending listing holds only what is pending and past its deadline, earliest first', async () => {
    clock.set('2031-01-01T00:00:00.000Z');
    const a = await accept('order-a');
    clock.advance(60_000);
    const b = await accept('order-b');
    const listed = await app.store.listExpiredOperations('2031-01-01T01:00:00.000Z', 10);
    expect(listed.map((op) => op.id)).toEqual([a.id, b.id]);
    expect(await app.store.listExpiredOperations('2031-01-01T00:40:30.000Z', 10)).toEqual([expect.objectContaining({ id: a.id, status: 'pending' })]);
    expect(await app.store.noteOperationError(a.id, 'first')).toBe(true);
    await app.store.completeOperation({ id: a.id, status: 'failed', reason: 'x' }, []);
    expect(await app.store.noteOperationError(a.id, 'too late')).toBe(false);
    expect((await app.store.getOperation(a.id))?.lastError).toBe('first');
    expect((await app.store.listExpiredOperations('2031-01-01T01:00:00.000Z', 10)).map((op) => op.id)).toEqual([b.id]);
    await app.store.completeOperation({ id: b.id, status: 'succeeded' }, []);
  });

  it('an operation recorded but never enqueued (the process died in between) has its event sent by the sweep, once', async () => {
    clock.set('2032-01-01T00:00:00.000Z');
    const at = clock.now().toISOString();
    const event: EventEnvelope = {
      id: 'op-orphaned',
      type: 'service.registered',
      service: 'orphaned',
      occurredAt: at,
      correlationId: 'op-orphaned',
      schemaVersion: SCHEMA_VERSION,
      payload: { spec: { name: 'orphaned' } },
    };
    // What acceptOperation has written when the process dies before its enqueue.
    await app.store.createOperation({
      id: event.id,
      kind: 'register',
      service: 'orphaned',
      status: 'pending',
      createdAt: at,
      updatedAt: at,
      deadline: '2032-01-01T00:40:00.000Z',
      outbox: { event, resendAt: '2032-01-01T00:00:15.000Z' },
    });
    clock.advance(10_000);
    expect(await sweepExpiredOperations(app)).toMatchObject({ resent: 0, expired: 0 });

    clock.advance(10_000);
    expect(await sweepExpiredOperations(app)).toMatchObject({ resent: 1, expired: 0, failed: 0, errors: [] });
    const op = await app.store.getOperation(event.id);
    expect(op).toMatchObject({ status: 'pending' });
    expect(op?.outbox).toBeUndefined();
    expect(await queuedEventIds('serviceEvents')).toContain(event.id);

    // Confirmed now: listed by its deadline, so the next sweeps leave it alone until then.
    expect(await sweepExpiredOperations(app)).toMatchObject({ resent: 0, expired: 0 });
    clock.set('2032-01-01T00:41:00.000Z');
    expect(await sweepExpiredOperations(app)).toMatchObject({ resent: 0, expired: 1, failed: 1 });
  });

  it('an accepted operation is confirmed as enqueued: no outbox left behind, listed by its deadline', async () => {
    clock.set('2033-01-01T00:00:00.000Z');
    const op = await accept('confirmed');
    expect((await app.store.getOperation(op.id))?.outbox).toBeUndefined();
    clock.advance(60_000);
    expect(await sweepExpiredOperations(app)).toMatchObject({ resent: 0, expired: 0 });
    expect(await app.store.listExpiredOperations('2033-01-01T00:39:00.000Z', 10)).toEqual([]);
    await app.store.completeOperation({ id: op.id, status: 'succeeded' }, []);
  });
});

/** The ids of the events waiting on a queue (received with a short visibility, so they stay there). */
async function queuedEventIds(queue: 'serviceEvents'): Promise<string[]> {
  const url = stack().config.queueUrls[queue];
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) {
    const res = await stack().sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 1 }));
    if (!res.Messages?.length) break;
    ids.push(...res.Messages.map((m) => (JSON.parse(m.Body ?? '{}') as { id: string }).id));
  }
  return ids;
}

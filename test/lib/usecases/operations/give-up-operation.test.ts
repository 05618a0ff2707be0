import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../../lib/composition/create-app.js';
import { giveUpOperation } from '../../../../lib/usecases/operations/give-up-operation.js';
import { envelope } from '../../../support/envelopes.js';
import { useTestStack } from '../../../support/local-stack.js';

const stack = useTestStack();
let app: App;

beforeAll(async () => {
  app = stack().createApp();
});

describe('giveUpOperation', () => {
  it('fails a pending operation with the last error and records it in the audit trail', async () => {
    const at = new Date().toISOString();
    await app.store.createOperation({ id: 'op-dlq', kind: 'update', service: 'doomed', status: 'pending', createdAt: at, updatedAt: at });
    await giveUpOperation(app, envelope('service.updated', 'doomed', { id: 'op-dlq' }), 'DynamoDB said no');
    const op = await app.store.getOperation('op-dlq');
    expect(op?.status).toBe('failed');
    expect(op?.reason).toMatch(/dead-letter queue: DynamoDB said no/);
    const events = await app.store.listEvents('doomed', { limit: 10 });
    expect(events.items.map((e) => e.type)).toEqual(['OperationFailed']);
  });

  it('leaves a finished operation as it is', async () => {
    const at = new Date().toISOString();
    await app.store.createOperation({ id: 'op-done', kind: 'update', service: 'fine', status: 'pending', createdAt: at, updatedAt: at });
    await app.store.completeOperation({ id: 'op-done', status: 'succeeded' }, []);
    await giveUpOperation(app, envelope('service.updated', 'fine', { id: 'op-done' }), 'late');
    expect((await app.store.getOperation('op-done'))?.status).toBe('succeeded');
  });
});

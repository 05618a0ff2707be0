import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { localQueueSettings } from '../../../lib/local/sqs-poller.js';
import { QUEUES } from '../../../lib/platform/resources.js';
import { useTestStack } from '../../support/local-stack.js';
import { consumedQueues, functionTimeoutSeconds, HANDLERS } from '../../../infra/handler-catalog.js';

const serviceEvents = QUEUES.find((q) => q.id === 'serviceEvents')!;

describe('localQueueSettings: the local pollers use the definitions the stack deploys', () => {
  it.each([
    {
      name: 'real time: exactly the deployed values',
      timeFactor: 1,
      override: undefined,
      expected: { visibilityTimeoutSeconds: 360, functionTimeoutSeconds: 60 },
    },
    {
      name: 'compressed time: the retry wait shrinks, never below the handler timeout',
      timeFactor: 0.02,
      override: undefined,
      expected: { visibilityTimeoutSeconds: 60, functionTimeoutSeconds: 60 },
    },
    {
      name: 'a lightly compressed wait stays above the handler timeout',
      timeFactor: 0.5,
      override: undefined,
      expected: { visibilityTimeoutSeconds: 180, functionTimeoutSeconds: 60 },
    },
    {
      name: 'a test override replaces the visibility only',
      timeFactor: 0.02,
      override: 1,
      expected: { visibilityTimeoutSeconds: 1, functionTimeoutSeconds: 60 },
    },
  ])('$name', ({ timeFactor, override, expected }) => {
    expect(localQueueSettings(serviceEvents, timeFactor, override)).toEqual(expected);
  });

  it.each(QUEUES.map((q) => ({ id: q.id, q })))('$id: the stack and the local runtime give its consumer the same timeout', ({ q }) => {
    const consumer = HANDLERS.find((h) => consumedQueues(h).includes(q.id))!;
    expect(functionTimeoutSeconds(consumer)).toBe(localQueueSettings(q, 1).functionTimeoutSeconds);
    expect(q.functionTimeoutSeconds * 6).toBeLessThanOrEqual(q.visibilityTimeoutSeconds);
  });
});

describe('provisioned queues', () => {
  const stack = useTestStack();

  it('carry the definition’s visibility timeout and redrive maxReceiveCount', async () => {
    for (const q of stack().queues) {
      const res = await stack().sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.url, AttributeNames: ['VisibilityTimeout', 'RedrivePolicy'] }));
      expect(Number(res.Attributes?.VisibilityTimeout)).toBe(q.definition.visibilityTimeoutSeconds);
      expect(JSON.parse(res.Attributes?.RedrivePolicy ?? '{}').maxReceiveCount).toBe(q.definition.maxReceiveCount);
    }
  });
});

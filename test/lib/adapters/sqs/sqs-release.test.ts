import { ReceiveMessageCommand, SendMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { releaseMessages } from '../../../../lib/adapters/sqs/sqs-release.js';
import { TransientError } from '../../../../lib/errors.js';
import { useTestStack } from '../../../support/local-stack.js';

/** Against fauxqs: what a consumer releases comes back at once, not after the visibility timeout. */
describe('releaseMessages', () => {
  const stack = useTestStack();
  const url = () => stack().config.queueUrls.serviceEvents;
  const receive = async (): Promise<Message[]> =>
    (
      await stack().sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url(),
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 300,
          MessageSystemAttributeNames: ['All'],
        }),
      )
    ).Messages ?? [];

  it('makes received messages visible again at once; the next receive counts them again', async () => {
    for (const group of ['a', 'b', 'c'])
      await stack().sqs.send(new SendMessageCommand({ QueueUrl: url(), MessageBody: group, MessageGroupId: group, MessageDeduplicationId: `first-${group}` }));
    const first = await receive();
    expect(first.map((m) => m.Body).sort()).toEqual(['a', 'b', 'c']);
    // Hidden for 300 s: nothing to receive now.
    expect(await receive()).toEqual([]);

    const kept = first.find((m) => m.Body === 'a')!;
    await releaseMessages(
      stack().sqs,
      url(),
      first.filter((m) => m !== kept).map((m) => m.ReceiptHandle!),
    );
    const again = await receive();
    expect(again.map((m) => m.Body).sort()).toEqual(['b', 'c']);
    expect(again.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(['2', '2']);
  });

  it('a released message comes back ahead of the later messages of its group', async () => {
    for (const [i, body] of ['g-1', 'g-2'].entries())
      await stack().sqs.send(new SendMessageCommand({ QueueUrl: url(), MessageBody: body, MessageGroupId: 'g', MessageDeduplicationId: `g-${i}` }));
    const [head] = await receive();
    expect(head.Body).toBe('g-1');
    // Released: its group is no longer blocked,
    await releaseMessages(stack().sqs, url(), [head.ReceiptHandle!]);
    const [next] = await receive();
    // and the released head comes back before the message behind it.
    expect(next.Body).toBe('g-1');
  });

  it('throws a transient error for a handle SQS does not know', async () => {
    await expect(releaseMessages(stack().sqs, url(), ['not-a-receipt-handle'])).rejects.toBeInstanceOf(TransientError);
  });
});

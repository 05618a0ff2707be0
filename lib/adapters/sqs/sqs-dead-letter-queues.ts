import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { TransientError } from '../../errors.js';
import { QUEUES, type QueueDefinition } from '../../platform/resources.js';
import type { DeadLetter, DeadLetterQueues } from '../../ports/event-queue.js';

export type DeadLetterQueueUrls = Partial<Record<QueueDefinition['id'], string>>;

/** How long a received dead letter stays hidden: a drain that crashes reads it again after this. */
const HIDDEN_SECONDS = 300;

/**
 * Reads the event queues' dead-letter queues (those whose URL is configured). Receipt handles are kept
 * per queue URL, so a letter is deleted from the queue it came from.
 */
export class SqsDeadLetterQueues implements DeadLetterQueues {
  private readonly queues: { name: string; url: string }[];

  constructor(
    private readonly client: SQSClient,
    urls: DeadLetterQueueUrls,
  ) {
    this.queues = QUEUES.flatMap((q) => (urls[q.id] ? [{ name: q.dlqName, url: urls[q.id]! }] : []));
  }

  async receive(max: number): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    for (const queue of this.queues) {
      while (letters.length < max) {
        const res = await this.client
          .send(
            new ReceiveMessageCommand({
              QueueUrl: queue.url,
              MaxNumberOfMessages: Math.min(10, max - letters.length),
              WaitTimeSeconds: 0,
              VisibilityTimeout: HIDDEN_SECONDS,
              MessageSystemAttributeNames: ['ApproximateReceiveCount'],
            }),
          )
          .catch((err: unknown) => {
            throw new TransientError(`could not read ${queue.name}: ${(err as Error).message}`, { cause: err });
          });
        const messages = res.Messages ?? [];
        for (const m of messages) {
          letters.push({
            queue: queue.name,
            body: m.Body ?? '',
            receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
            handle: JSON.stringify([queue.url, m.ReceiptHandle]),
          });
        }
        if (messages.length === 0) break;
      }
    }
    return letters;
  }

  async delete(letter: DeadLetter): Promise<void> {
    const [url, receiptHandle] = JSON.parse(letter.handle) as [string, string];
    await this.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: receiptHandle })).catch((err: unknown) => {
      throw new TransientError(`could not delete a message from ${letter.queue}: ${(err as Error).message}`, { cause: err });
    });
  }
}

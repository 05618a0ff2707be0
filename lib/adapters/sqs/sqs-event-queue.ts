import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { TransientError } from '../../errors.js';
import type { EventEnvelope } from '../../model/events.js';
import { queueForEvent, type QueueDefinition } from '../../platform/resources.js';
import type { EventQueue } from '../../ports/event-queue.js';

export type QueueUrls = Record<QueueDefinition['id'], string>;

/**
 * Sends envelopes to the FIFO queue that carries their type: the service name is the message group
 * (one service's operations are serialized, different services run in parallel) and the operation id
 * is the deduplication id (a retried send enqueues once).
 */
export class SqsEventQueue implements EventQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly urls: QueueUrls,
  ) {}

  async send(event: EventEnvelope): Promise<void> {
    const queue = queueForEvent(event.type);
    try {
      await this.client.send(
        new SendMessageCommand({
          QueueUrl: this.urls[queue.id],
          MessageBody: JSON.stringify(event),
          MessageGroupId: event.service,
          MessageDeduplicationId: event.id,
          MessageAttributes: { type: { DataType: 'String', StringValue: event.type } },
        }),
      );
    } catch (err) {
      throw new TransientError(`could not enqueue ${event.type} for ${event.service}: ${(err as Error).message}`, { cause: err });
    }
  }
}

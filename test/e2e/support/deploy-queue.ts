/**
 * Direct access to the runtime's deploy-request queue, to replay a deploy event the way SQS may
 * deliver it more than once (a producer retry within the deduplication window, or a redelivery).
 */
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { awsClientConfig } from '../../../lib/composition/create-app.js';
import type { LocalRuntime } from '../../../lib/local/runtime.js';
import { SCHEMA_VERSION, type EventEnvelope } from '../../../lib/model/events.js';
import { waitFor } from '../../support/wait-for.js';

export class DeployQueue {
  private readonly client: SQSClient;
  private readonly url: string;

  constructor(runtime: LocalRuntime) {
    this.client = new SQSClient(awsClientConfig(runtime.app.config, 'sqs'));
    const queue = runtime.queues.find((q) => q.definition.id === 'deployRequests');
    if (!queue) throw new Error('the runtime has no deploy-requests queue');
    this.url = queue.url;
  }

  /**
   * The envelope the API enqueued for an accepted deploy: the operation id is both the envelope id
   * and (as the API sends it) the SQS deduplication id.
   */
  static envelopeOf(service: string, accepted: { operationId: string; deploymentId: string }, image: string): EventEnvelope {
    return {
      id: accepted.operationId,
      type: 'deploy.requested',
      service,
      occurredAt: new Date().toISOString(),
      correlationId: accepted.operationId,
      schemaVersion: SCHEMA_VERSION,
      payload: { deploymentId: accepted.deploymentId, image },
    };
  }

  /** Sends an envelope to the deploy queue with the given deduplication id; returns the SQS message id. */
  async send(envelope: EventEnvelope, deduplicationId: string): Promise<string> {
    const sent = await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.url,
        MessageBody: JSON.stringify(envelope),
        MessageGroupId: envelope.service,
        MessageDeduplicationId: deduplicationId,
        MessageAttributes: { type: { DataType: 'String', StringValue: envelope.type } },
      }),
    );
    return sent.MessageId ?? '';
  }

  /** Waits until no message is waiting or in flight on the queue (every delivery has been handled). */
  async drained(timeoutMs = 15_000): Promise<void> {
    await waitFor(
      'the deploy queue to drain',
      async () => {
        const { Attributes: a } = await this.client.send(
          new GetQueueAttributesCommand({ QueueUrl: this.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
        );
        return a?.ApproximateNumberOfMessages === '0' && a?.ApproximateNumberOfMessagesNotVisible === '0' ? true : undefined;
      },
      { timeoutMs, intervalMs: 50 },
    );
  }

  close(): void {
    this.client.destroy();
  }
}

import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { QueueDefinition } from '../platform/resources.js';
import { localLambdaContext } from './lambda-context.js';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface SqsPollerOptions {
  client: SQSClient;
  queueUrl: string;
  queueArn: string;
  functionName: string;
  handler: SqsHandler;
  batchSize: number;
  /** Parallel batches, like the event source mapping's maximum concurrency. */
  concurrency: number;
  /** How long a received batch stays invisible; a failed record comes back after it. */
  visibilityTimeoutSeconds: number;
  /** The handler's timeout: its context's getRemainingTimeInMillis counts down from it. */
  functionTimeoutSeconds: number;
  onInvokeError?: (err: unknown) => void;
}

/** The settings a local poller takes from a queue's definition (the same the stack deploys). */
export interface LocalQueueSettings {
  visibilityTimeoutSeconds: number;
  functionTimeoutSeconds: number;
}

/**
 * A queue's local settings from its definition. The handler timeout is the deployed one, unscaled: the
 * work in a handler (DynamoDB, the cluster) runs in real time whatever the runtime's time factor. The
 * visibility timeout — the wait before a failed record is retried — is compressed by `timeFactor` like
 * every other wait of the local runtime, but never below the handler timeout, so a batch is never
 * delivered again while it is still in work (with timeFactor 1 it is exactly the deployed value).
 * `visibilityOverrideSeconds` (tests only) replaces the visibility timeout as given.
 */
export function localQueueSettings(definition: QueueDefinition, timeFactor: number, visibilityOverrideSeconds?: number): LocalQueueSettings {
  const functionTimeoutSeconds = definition.functionTimeoutSeconds;
  const scaled = Math.ceil(definition.visibilityTimeoutSeconds * timeFactor);
  return { functionTimeoutSeconds, visibilityTimeoutSeconds: visibilityOverrideSeconds ?? Math.max(scaled, functionTimeoutSeconds) };
}

function toRecord(message: Message, queueArn: string): SQSRecord {
  const a = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
      SentTimestamp: a.SentTimestamp ?? String(Date.now()),
      SenderId: a.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      MessageGroupId: a.MessageGroupId,
      MessageDeduplicationId: a.MessageDeduplicationId,
      SequenceNumber: a.SequenceNumber,
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([k, v]) => [
        k,
        { dataType: v.DataType ?? 'String', stringValue: v.StringValue, stringListValues: [], binaryListValues: [] },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}

/**
 * Behaves like Lambda's SQS event source mapping: long-polls batches, invokes the handler, deletes the
 * records it did not report in `batchItemFailures` (all of them stay when it throws). Failed records
 * reappear after the visibility timeout; the queue's redrive policy moves them to the DLQ after
 * maxReceiveCount receives.
 */
export class SqsPoller {
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(private readonly options: SqsPollerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = Array.from({ length: this.options.concurrency }, () => this.loop());
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(): Promise<void> {
    const o = this.options;
    while (this.running) {
      let messages: Message[] = [];
      try {
        const res = await o.client.send(
          new ReceiveMessageCommand({
            QueueUrl: o.queueUrl,
            MaxNumberOfMessages: o.batchSize,
            WaitTimeSeconds: 1,
            VisibilityTimeout: o.visibilityTimeoutSeconds,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        );
        messages = res.Messages ?? [];
      } catch (err) {
        if (!this.running) return;
        o.onInvokeError?.(err);
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      if (!messages.length) continue;
      const records = messages.map((m) => toRecord(m, o.queueArn));
      let failed = new Set(records.map((r) => r.messageId));
      try {
        const response = await o.handler({ Records: records }, localLambdaContext(o.functionName, o.functionTimeoutSeconds * 1000));
        failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      } catch (err) {
        o.onInvokeError?.(err);
      }
      const done = records.filter((r) => !failed.has(r.messageId));
      if (done.length) {
        await o.client
          .send(new DeleteMessageBatchCommand({ QueueUrl: o.queueUrl, Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })) }))
          .catch((err) => o.onInvokeError?.(err));
      }
    }
  }
}

import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { releaseMessages } from '../adapters/sqs/sqs-release.js';
import { createSqsClient } from './aws-clients.js';
import type { RuntimeConfig } from './runtime-config.js';
import type { QueueDefinition } from '../platform/resources.js';

/**
 * The batch's `release` for a queue (see FifoBatchOptions.release): records the handler did not start
 * are made visible again at once, so a batch cut by its time budget does not leave them waiting for the
 * visibility timeout (minutes on AWS). The SQS client is made on first use: most batches start every record.
 * The function's role needs sqs:ChangeMessageVisibility on the queue (granted with its SQS trigger).
 */
export function releaseUnstarted(queue: QueueDefinition['id'], config: RuntimeConfig): (records: SQSRecord[]) => Promise<void> {
  let client: SQSClient | undefined;
  return async (records) => {
    client ??= createSqsClient(config, { concurrency: 4 });
    await releaseMessages(
      client,
      config.queueUrls[queue],
      records.map((r) => r.receiptHandle),
    );
  };
}

import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { TransientError } from '../../errors.js';

/** SQS accepts at most this many entries in one ChangeMessageVisibilityBatch. */
const MAX_BATCH = 10;

/**
 * Makes received messages visible again at once (ChangeMessageVisibility to 0), in the order given:
 * a consumer hands back what it received but did not start, so it comes back without waiting for the
 * visibility timeout. Messages of a FIFO group stay behind any earlier message of the group in flight.
 * Throws a TransientError when SQS refuses any of them (the rest then still come back after their timeout).
 */
export async function releaseMessages(client: SQSClient, queueUrl: string, receiptHandles: readonly string[]): Promise<void> {
  const refused: string[] = [];
  for (let i = 0; i < receiptHandles.length; i += MAX_BATCH) {
    const entries = receiptHandles.slice(i, i + MAX_BATCH).map((handle, j) => ({ Id: String(i + j), ReceiptHandle: handle, VisibilityTimeout: 0 }));
    try {
      const res = await client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      refused.push(...(res.Failed ?? []).map((f) => `${f.Code}: ${f.Message ?? ''}`));
    } catch (err) {
      refused.push((err as Error).message);
    }
  }
  if (refused.length) throw new TransientError(`could not make ${refused.length} message(s) visible again: ${refused.slice(0, 3).join('; ')}`);
}

/**
 * coalesceCalls under processFifoBatch: the first record of every message group of a batch is handled in
 * one call of the batch function; a group's later records come in a later call, after their group's
 * earlier record succeeded; each record succeeds or fails on its own result.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { coalesceCalls, type Settled } from '../../../functions/middleware/coalesce-calls.js';
import { processFifoBatch, type BatchLogger } from '../../../functions/middleware/sqs-fifo-batch.js';
import type { EventEnvelope } from '../../../lib/model/events.js';
import { envelope } from '../../support/envelopes.js';

function record(messageId: string, group: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: JSON.stringify(envelope('health.alarm', group, { id: messageId })),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'test', ApproximateFirstReceiveTimestamp: '0', MessageGroupId: group },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q.fifo',
    awsRegion: 'us-east-1',
  };
}

const silent: BatchLogger = { info: () => undefined, error: () => undefined };

async function run(records: SQSRecord[], failing: Set<string> = new Set(), throwing = false) {
  const batches: string[][] = [];
  const handle = coalesceCalls(async (events: EventEnvelope[]): Promise<Settled<string>[]> => {
    batches.push(events.map((e) => e.id));
    if (throwing) throw new Error('the batch failed');
    return events.map((e) => (failing.has(e.id) ? { ok: false, error: new Error(`${e.id} failed`) } : { ok: true, outcome: `decided ${e.id}` }));
  });
  const response = await processFifoBatch({ Records: records } as SQSEvent, { handle, log: silent });
  return { batches, failed: response.batchItemFailures.map((f) => f.itemIdentifier) };
}

describe('coalesceCalls', () => {
  it('handles the first record of every group together, and each group’s next record in the next batch', async () => {
    const { batches, failed } = await run([record('a1', 'a'), record('b1', 'b'), record('a2', 'a'), record('c1', 'c'), record('b2', 'b')]);
    expect(batches).toEqual([
      ['a1', 'b1', 'c1'],
      ['a2', 'b2'],
    ]);
    expect(failed).toEqual([]);
  });

  it('a record that fails fails alone; its group’s later record is held back, the other groups go on', async () => {
    const { batches, failed } = await run([record('a1', 'a'), record('b1', 'b'), record('a2', 'a'), record('b2', 'b')], new Set(['a1']));
    expect(batches).toEqual([['a1', 'b1'], ['b2']]);
    expect(failed).toEqual(['a1', 'a2']);
  });

  it('a batch function that throws fails every record of its batch', async () => {
    const { failed } = await run([record('a1', 'a'), record('b1', 'b')], new Set(), true);
    expect(failed).toEqual(['a1', 'b1']);
  });
});

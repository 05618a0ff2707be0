/**
 * The real SQS emulator (fauxqs) on a data directory: a message received and never deleted (its
 * consumer died) comes back at once after releaseInflightMessages, instead of after its visibility
 * timeout; without it, it stays hidden.
 */
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../../lib/composition/create-app.js';
import type { RuntimeConfig } from '../../../lib/composition/runtime-config.js';
import { sqsDataDir, startEmulators } from '../../../lib/local/emulators.js';
import { provisionQueues } from '../../../lib/local/provision.js';
import { releaseInflightMessages } from '../../../lib/local/release-inflight.js';
import { TABLE } from '../../../lib/platform/resources.js';
import { LOCAL_CREDENTIALS } from '../../support/local-stack.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function sqsClient(endpoint: string): SQSClient {
  const config: RuntimeConfig = {
    region: 'us-east-1',
    endpoints: { sqs: endpoint },
    tableName: TABLE.name,
    credentials: { ...LOCAL_CREDENTIALS },
    queueUrls: { serviceEvents: '', deployRequests: '', healthAlarms: '', optimizerRuns: '' },
  };
  return new SQSClient(awsClientConfig(config, 'sqs'));
}

/** Sends one message, receives it with a long visibility timeout and never deletes it; stops the emulators. */
async function leaveInFlight(dataDir: string): Promise<void> {
  const emulators = await startEmulators(dataDir);
  const sqs = sqsClient(emulators.sqsEndpoint);
  try {
    const [queue] = await provisionQueues(sqs);
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'in work', MessageGroupId: 'svc', MessageDeduplicationId: 'one' }));
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, VisibilityTimeout: 600, MaxNumberOfMessages: 1 }));
    expect(got.Messages?.map((m) => m.Body)).toEqual(['in work']);
  } finally {
    sqs.destroy();
    await emulators.stop();
  }
}

async function receiveAfterRestart(dataDir: string): Promise<{ bodies: string[]; receiveCount?: string }> {
  const emulators = await startEmulators(dataDir);
  const sqs = sqsClient(emulators.sqsEndpoint);
  try {
    const [queue] = await provisionQueues(sqs);
    const got = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 1, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
    );
    return { bodies: (got.Messages ?? []).map((m) => m.Body ?? ''), receiveCount: got.Messages?.[0]?.Attributes?.ApproximateReceiveCount };
  } finally {
    sqs.destroy();
    await emulators.stop();
  }
}

describe('releaseInflightMessages', () => {
  it('hands a message left in flight back at once, its receive count kept', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'meshplane-inflight-'));
    dirs.push(dataDir);
    await leaveInFlight(dataDir);
    expect(releaseInflightMessages(sqsDataDir(dataDir))).toBe(1);
    expect(await receiveAfterRestart(dataDir)).toEqual({ bodies: ['in work'], receiveCount: '2' });
  });

  it('without it the message stays hidden until its visibility timeout', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'meshplane-inflight-'));
    dirs.push(dataDir);
    await leaveInFlight(dataDir);
    expect((await receiveAfterRestart(dataDir)).bodies).toEqual([]);
  });

  it('does nothing where no emulator saved anything', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'meshplane-inflight-'));
    dirs.push(dataDir);
    expect(releaseInflightMessages(sqsDataDir(dataDir))).toBe(0);
  });
});

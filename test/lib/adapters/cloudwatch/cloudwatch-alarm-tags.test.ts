/**
 * The alarm-tags adapter with the real AWS SDK client pointed at a boundary stub (there is no
 * CloudWatch emulator here): a local server answering ListTagsForResource in the AWS JSON 1.0 protocol.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterEach, describe, expect, it } from 'vitest';
import { CloudWatchAlarmTags } from '../../../../lib/adapters/cloudwatch/cloudwatch-alarm-tags.js';
import { TerminalError, TransientError } from '../../../../lib/errors.js';
import { startHttpStub } from '../metrics/http-stub.js';

const ARN = 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:cart-5xx';
const JSON_10 = { 'content-type': 'application/x-amz-json-1.0' };

let stub: Awaited<ReturnType<typeof startHttpStub>> | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

const tagsFor = (url: string) =>
  new CloudWatchAlarmTags(
    new CloudWatchClient({ endpoint: url, region: 'eu-west-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' }, maxAttempts: 1 }),
  );

describe('CloudWatchAlarmTags', () => {
  it('asks ListTagsForResource for the alarm and returns its tags as a map', async () => {
    stub = await startHttpStub(() => ({
      headers: JSON_10,
      body: {
        Tags: [
          { Key: 'meshplane:service', Value: 'cart' },
          { Key: 'team', Value: 'shop' },
        ],
      },
    }));
    expect(await tagsFor(stub.url).tagsOf(ARN)).toEqual({ 'meshplane:service': 'cart', team: 'shop' });
    const [request] = stub.requests;
    expect(request.headers['x-amz-target']).toBe('GraniteServiceVersion20100801.ListTagsForResource');
    expect(JSON.parse(request.body)).toEqual({ ResourceARN: ARN });
  });

  it.each([
    [
      { status: 400, headers: { ...JSON_10, 'x-amzn-query-error': 'Throttling;Sender' }, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } },
      TransientError,
    ],
    [{ status: 500, headers: JSON_10, body: { __type: 'InternalServiceFault', message: 'oops' } }, TransientError],
    [{ status: 403, headers: JSON_10, body: { __type: 'AccessDeniedException', message: 'not authorized' } }, TerminalError],
    [{ status: 400, headers: JSON_10, body: { __type: 'ResourceNotFoundException', message: 'no such alarm' } }, TerminalError],
  ])('maps %j to %o', async (answer, expected) => {
    stub = await startHttpStub(() => answer);
    await expect(tagsFor(stub.url).tagsOf(ARN)).rejects.toBeInstanceOf(expected);
  });
});

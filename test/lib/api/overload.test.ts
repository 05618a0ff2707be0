/**
 * Overload is an answer, not a failure: throttling and timeouts from dependencies reach the caller as
 * 503 with Retry-After, never as a 500 or a hang.
 *
 * The throttling DynamoDB below is a hand-written stand-in at the SDK boundary (no emulator can be told
 * to throttle): it answers every request the way DynamoDB does when throttling, HTTP 400 with a
 * `ThrottlingException` JSON body, so the real SDK parses it, retries it, and the real adapter and API
 * map what is left.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../../lib/api/create-api.js';
import { errorResponse } from '../../../lib/api/http.js';
import { createApp } from '../../../lib/composition/create-app.js';
import { OverloadedError, TransientError } from '../../../lib/errors.js';
import { LOCAL_CREDENTIALS } from '../../support/local-stack.js';

let throttling: Server;
let endpoint: string;
let requests = 0;

beforeAll(async () => {
  throttling = createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => {
      const body = JSON.stringify({
        __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
        message: 'Rate of requests exceeds the allowed throughput.',
      });
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': `throttle-${requests}` });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => throttling.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(throttling.address() as AddressInfo).port}`;
});

afterAll(async () => {
  throttling.closeAllConnections();
  await new Promise((resolve) => throttling.close(resolve));
});

describe('DynamoDB throttling through the API', () => {
  it('answers 503 with Retry-After on reads and writes, after the SDK retried', async () => {
    const app = createApp({
      region: 'us-east-1',
      endpoints: { dynamodb: endpoint, sqs: endpoint },
      tableName: 'meshplane',
      credentials: { ...LOCAL_CREDENTIALS },
      queueUrls: { serviceEvents: `${endpoint}/q1`, deployRequests: `${endpoint}/q2`, healthAlarms: `${endpoint}/q3`, optimizerRuns: `${endpoint}/q4` },
    });
    const api = createApi(app);
    const before = requests;
    const read = await api.handle({ method: 'GET', path: '/v1/services/user-service', query: {}, headers: {}, requestId: 'r1' });
    expect(read.statusCode).toBe(503);
    expect(read.headers['retry-after']).toBe('1');
    expect(JSON.parse(read.body).error.code).toBe('TRANSIENT');
    expect(requests - before).toBeGreaterThan(1);

    const body = JSON.stringify({ name: 'user-service', image: 'registry.example.com/user:1.0.0', port: 8080 });
    const write = await api.handle({ method: 'POST', path: '/v1/services', query: {}, headers: {}, body, requestId: 'r2' });
    expect(write.statusCode).toBe(503);
    expect(write.headers['retry-after']).toBeDefined();
    expect(write.body).not.toContain('at ');
  });
});

describe('errorResponse for overload', () => {
  const sdkError = (name: string, status: number) => Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
  it.each([
    ['an SDK ThrottlingException', sdkError('ThrottlingException', 400)],
    ['ProvisionedThroughputExceededException', sdkError('ProvisionedThroughputExceededException', 400)],
    ['an SQS RequestThrottled', sdkError('RequestThrottled', 403)],
    ['a request timeout', sdkError('TimeoutError', 0)],
    ['a 503 from a dependency', sdkError('ServiceUnavailable', 503)],
    ['a TransientError caused by throttling', new TransientError('could not enqueue', { cause: sdkError('ThrottlingException', 400) })],
    ['an OverloadedError', new OverloadedError('too much', 3)],
  ])('maps %s to 503 with Retry-After', (_what, err) => {
    const res = errorResponse(err, 'req-1');
    expect(res.statusCode).toBe(503);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('still answers a plain bug with 500 and no stack', () => {
    const res = errorResponse(new Error('undefined is not a function'), 'req-2');
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('undefined is not a function');
  });
});

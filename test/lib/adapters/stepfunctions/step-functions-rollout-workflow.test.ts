/**
 * The Step Functions adapter with the real SFN client, against a boundary stub: a local HTTP server
 * that speaks the AWS JSON 1.0 protocol of Step Functions (POST /, `X-Amz-Target:
 * AWSStepFunctions.<Operation>`, errors as `{"__type": ..., "message": ...}`) and records every call.
 * It stands in for the service; it is not an emulator of executions.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StepFunctionsRolloutWorkflow } from '../../../../lib/adapters/stepfunctions/step-functions-rollout-workflow.js';
import { TransientError } from '../../../../lib/errors.js';
import { RolloutPolicy } from '../../../../lib/model/service-spec.js';
import { rolloutExecutionInput } from '../../../../lib/model/rollout-task-contract.js';

const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:meshplane-test-rollout';

interface Call {
  target: string;
  contentType: string | undefined;
  body: Record<string, unknown>;
}

/** The stub's next answer: a status and a JSON body. */
type Reply = { status: number; body: Record<string, unknown> };

let server: Server;
let client: SFNClient;
const calls: Call[] = [];
let reply: (call: Call) => Reply;

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const call: Call = { target: header(req.headers, 'x-amz-target'), contentType: header(req.headers, 'content-type'), body: raw ? JSON.parse(raw) : {} };
      calls.push(call);
      const { status, body } = reply(call);
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new SFNClient({
    region: 'eu-west-1',
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    // One attempt, so the stub's answer reaches the adapter unretried (the app's client makes up to 5).
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client?.destroy();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

beforeEach(() => {
  calls.length = 0;
  reply = () => ({ status: 500, body: { __type: 'InternalFailure', message: 'no reply set' } });
});

function header(headers: IncomingHttpHeaders, name: string): string {
  return String(headers[name] ?? '');
}

const input = rolloutExecutionInput(
  'dep-20261125-abc123',
  { name: 'user-service', namespace: 'shop' },
  RolloutPolicy.parse({ steps: [{ weight: 25 }, { weight: 100 }] }),
);
const workflow = () => new StepFunctionsRolloutWorkflow(client, STATE_MACHINE_ARN);

describe('StepFunctionsRolloutWorkflow.start', () => {
  it('starts an execution named after the deployment, with the JSON input', async () => {
    reply = () => ({
      status: 200,
      body: { executionArn: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${input.deploymentId}`, startDate: 1_795_000_000 },
    });
    await workflow().start(input);

    expect(calls).toHaveLength(1);
    expect(calls[0].target).toBe('AWSStepFunctions.StartExecution');
    expect(calls[0].contentType).toBe('application/x-amz-json-1.0');
    expect(calls[0].body).toEqual({ stateMachineArn: STATE_MACHINE_ARN, name: 'dep-20261125-abc123', input: expect.any(String) });
    expect(JSON.parse(calls[0].body.input as string)).toEqual(input);
  });

  it('resolves when the execution already exists (a duplicated deploy request)', async () => {
    reply = () => ({ status: 400, body: { __type: 'ExecutionAlreadyExists', message: `Execution Already Exists: '${input.deploymentId}'` } });
    await expect(workflow().start(input)).resolves.toBeUndefined();
    expect(calls.map((c) => c.target)).toEqual(['AWSStepFunctions.StartExecution']);
  });

  it.each([
    { name: 'a 500 from the service', status: 500, body: { __type: 'InternalFailure', message: 'We encountered an internal error' } },
    { name: 'throttling', status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } },
  ])('turns $name into a TransientError naming the deployment', async ({ status, body }) => {
    reply = () => ({ status, body });
    const failure = await workflow()
      .start(input)
      .catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as Error).message).toMatch(/^could not start the rollout dep-20261125-abc123: /);
    expect((failure as Error).message).toContain(body.message);
  });
});

describe('StepFunctionsRolloutWorkflow.state', () => {
  it.each([
    { status: 'RUNNING', state: 'running' },
    { status: 'PENDING_REDRIVE', state: 'running' },
    { status: 'SUCCEEDED', state: 'ended' },
    { status: 'FAILED', state: 'ended' },
    { status: 'ABORTED', state: 'ended' },
    { status: 'TIMED_OUT', state: 'ended' },
  ])('an execution $status is $state', async ({ status, state }) => {
    reply = (call) => ({
      status: 200,
      body: { executionArn: call.body.executionArn as string, stateMachineArn: STATE_MACHINE_ARN, status, startDate: 1_795_000_000 },
    });
    expect(await workflow().state('dep-20261125-abc123')).toBe(state);
    expect(calls[0].target).toBe('AWSStepFunctions.DescribeExecution');
    // The execution ARN follows from the machine's and the deployment id.
    expect(calls[0].body).toEqual({ executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:meshplane-test-rollout:dep-20261125-abc123' });
  });

  it('an execution that does not exist is absent', async () => {
    reply = () => ({ status: 400, body: { __type: 'ExecutionDoesNotExist', message: 'Execution Does Not Exist' } });
    expect(await workflow().state('dep-none')).toBe('absent');
  });

  it('a 500 becomes a TransientError', async () => {
    reply = () => ({ status: 500, body: { __type: 'InternalFailure', message: 'We encountered an internal error' } });
    await expect(workflow().state('dep-x')).rejects.toBeInstanceOf(TransientError);
  });
});

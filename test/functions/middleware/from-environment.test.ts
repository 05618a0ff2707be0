/**
 * `fromEnvironment` is every Lambda entry point: the app is built from the environment on the first
 * invocation (not at import), once per container, and a misconfigured function fails with a message
 * that names what is missing.
 */
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fromEnvironment } from '../../../functions/middleware/from-environment.js';
import type { App } from '../../../lib/composition/create-app.js';
import { localLambdaContext } from '../../../lib/local/lambda-context.js';

const ENV = {
  TABLE_NAME: 'meshplane-test',
  SERVICE_EVENTS_QUEUE_URL: 'http://127.0.0.1:1/000000000000/service-events.fifo',
  DEPLOY_REQUESTS_QUEUE_URL: 'http://127.0.0.1:1/000000000000/deploy-requests.fifo',
  HEALTH_ALARMS_QUEUE_URL: 'http://127.0.0.1:1/000000000000/health-alarms.fifo',
  OPTIMIZER_RUNS_QUEUE_URL: 'http://127.0.0.1:1/000000000000/optimizer-runs.fifo',
  AWS_REGION: 'eu-west-1',
  // Endpoints make createApp skip the CloudWatch alarm-tags client; nothing is contacted either way.
  AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
};

function stubEnv(env: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
}

/** A handler factory that answers with what it saw: the app it was built with, and the event. */
function recordingFactory() {
  const builds: App[] = [];
  const create = (app: App) => {
    builds.push(app);
    return async (event: { n: number }, _context: Context) => ({ table: app.config.tableName, region: app.config.region, n: event.n, app });
  };
  return { builds, create };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

const context = localLambdaContext('test-function');

/** Invokes as Lambda does, which treats a synchronous throw and a rejection alike: both fail the invocation. */
async function invoke<E, R>(handler: (event: E, context: Context) => Promise<R>, event: E): Promise<R> {
  return handler(event, context);
}

describe('fromEnvironment', () => {
  it('builds nothing until the first invocation, then builds the app from the environment', async () => {
    const { builds, create } = recordingFactory();
    stubEnv({ TABLE_NAME: undefined });
    const handler = fromEnvironment(create);
    expect(builds).toHaveLength(0);

    stubEnv(ENV);
    const result = await handler({ n: 1 }, context);
    expect(result).toMatchObject({ table: 'meshplane-test', region: 'eu-west-1', n: 1 });
    expect(result.app.config.queueUrls).toEqual({
      serviceEvents: ENV.SERVICE_EVENTS_QUEUE_URL,
      deployRequests: ENV.DEPLOY_REQUESTS_QUEUE_URL,
      healthAlarms: ENV.HEALTH_ALARMS_QUEUE_URL,
      optimizerRuns: ENV.OPTIMIZER_RUNS_QUEUE_URL,
    });
  });

  it('reuses the app for later invocations of the same container', async () => {
    const { builds, create } = recordingFactory();
    stubEnv(ENV);
    const handler = fromEnvironment(create);
    const first = await handler({ n: 1 }, context);
    // A changed environment is not read again: the container keeps the app it started with.
    stubEnv({ TABLE_NAME: 'another-table' });
    const second = await handler({ n: 2 }, context);
    expect(second).toMatchObject({ table: 'meshplane-test', n: 2 });
    expect(second.app).toBe(first.app);
    expect(builds).toHaveLength(1);
  });

  it('fails the invocation with a clear message when a variable is missing, and builds once it is set', async () => {
    const { builds, create } = recordingFactory();
    stubEnv({ ...ENV, DEPLOY_REQUESTS_QUEUE_URL: undefined, TABLE_NAME: '' });
    const handler = fromEnvironment(create);
    await expect(invoke(handler, { n: 1 })).rejects.toThrow('meshplane is not configured: missing environment variables TABLE_NAME, DEPLOY_REQUESTS_QUEUE_URL');
    expect(builds).toHaveLength(0);

    stubEnv(ENV);
    await expect(handler({ n: 2 }, context)).resolves.toMatchObject({ table: 'meshplane-test', n: 2 });
  });

  it('fails the invocation when REMEDIATION_POLICY is not a valid policy', async () => {
    const { builds, create } = recordingFactory();
    stubEnv({ ...ENV, REMEDIATION_POLICY: '{"dryRun": "sometimes"}' });
    await expect(invoke(fromEnvironment(create), { n: 1 })).rejects.toThrow(/dryRun/);
    expect(builds).toHaveLength(0);
  });

  it('applies REMEDIATION_POLICY to the app', async () => {
    const { create } = recordingFactory();
    stubEnv({ ...ENV, REMEDIATION_POLICY: '{"dryRun": true}' });
    const result = await fromEnvironment(create)({ n: 1 }, context);
    expect(result.app.remediationPolicy.dryRun).toBe(true);
  });
});

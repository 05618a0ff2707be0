import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMeshplaneLocal } from '../../cli/local-runtime.js';
import type { LocalRuntime } from '../../lib/local/runtime.js';
import { call } from '../support/http-client.js';
import { waitFor } from '../support/wait-for.js';

/**
 * The LocalStack mode: the same runtime against an AWS-compatible endpoint instead of the embedded
 * emulators. LocalStack cannot run on the CI machines (no Docker engine), so this runs only when
 * LOCALSTACK_ENDPOINT names one (e.g. http://localhost:4566).
 */
const endpoint = process.env.LOCALSTACK_ENDPOINT;
if (!endpoint) console.info('[localstack.e2e] skipped: set LOCALSTACK_ENDPOINT (e.g. http://localhost:4566) to run it against LocalStack');

describe.skipIf(!endpoint)('LocalStack mode (LOCALSTACK_ENDPOINT)', () => {
  let runtime: LocalRuntime;

  beforeAll(async () => {
    runtime = await startMeshplaneLocal({ port: 0, endpoint, timeFactor: 0.02, sim: { readyDelayMs: 0 } });
  }, 120_000);

  afterAll(async () => {
    await runtime?.stop();
  });

  it('registers a service through LocalStack’s SQS and DynamoDB and runs it', async () => {
    const name = `ls-${Date.now().toString(36)}`;
    const accepted = await call(runtime.url, 'POST', '/v1/services', { name, image: 'example/ls:1', port: 8080, replicas: 2 });
    expect(accepted.status).toBe(202);
    const op = await waitFor('operation to finish', async () => {
      const r = await call(runtime.url, 'GET', `/v1/operations/${accepted.body.operationId}`);
      return r.body.status !== 'pending' ? r.body : undefined;
    });
    expect(op.status).toBe('succeeded');
    // The cluster itself, not the API's stored observation (up to one probe period old).
    await waitFor('2 ready replicas', async () => {
      const record = await runtime.app.store.getService(name);
      const status = record ? await runtime.app.statusReader.read(record) : undefined;
      return status && 'readyReplicas' in status && status.readyReplicas === 2 ? status : undefined;
    });
    expect((await call(runtime.url, 'GET', `/v1/services/${name}`)).body.revision).toBe(1);
  });
});

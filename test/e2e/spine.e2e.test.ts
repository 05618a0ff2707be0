import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMeshplaneLocal } from '../../cli/local-runtime.js';
import type { LocalRuntime } from '../../lib/local/runtime.js';
import { call } from '../support/http-client.js';
import { exited, freePort, run, waitForLine } from '../support/processes.js';
import { orderServiceInput, userServiceInput } from '../support/service-specs.js';
import { waitFor } from '../support/wait-for.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

let runtime: LocalRuntime;
let url: string;
let scratch: string;

beforeAll(async () => {
  process.env.LOG_LEVEL = 'SILENT';
  runtime = await startMeshplaneLocal({ port: 0, visibilityTimeoutSeconds: 1 });
  url = runtime.url;
  scratch = mkdtempSync(join(tmpdir(), 'meshplane-e2e-'));
});

afterAll(async () => {
  await runtime?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Polls an operation over HTTP until it is no longer pending. */
async function finished(operationId: string) {
  return waitFor(`operation ${operationId}`, async () => {
    const res = await call(url, 'GET', `/v1/operations/${operationId}`);
    expect(res.status).toBe(200);
    return res.body.status === 'pending' ? undefined : res.body;
  });
}

describe('the spine over HTTP: register, read, update, deploy, delete', () => {
  it('answers health checks', async () => {
    const res = await call(url, 'GET', '/v1/healthz');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
  });

  it('registers user-service and order-service: 202 with the defaulted spec, then the operations succeed', async () => {
    for (const input of [userServiceInput, orderServiceInput]) {
      const res = await call(url, 'POST', '/v1/services', input);
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ status: 'pending', service: { ...input, namespace: 'default', servicePort: 80 } });
      expect(res.headers.get('location')).toBe(`/v1/operations/${res.body.operationId}`);
      const op = await finished(res.body.operationId);
      expect(op).toMatchObject({ kind: 'register', service: input.name, status: 'succeeded' });
    }
  });

  it('lists both services by name', async () => {
    const res = await call(url, 'GET', '/v1/services');
    expect(res.status).toBe(200);
    expect(res.body.items.map((s: { name: string }) => s.name)).toEqual(['order-service', 'user-service']);
    expect(res.body.nextCursor).toBeUndefined();
  });

  it('pages the listing with limit and cursor', async () => {
    const first = await call(url, 'GET', '/v1/services?limit=1');
    expect(first.body.items.map((s: { name: string }) => s.name)).toEqual(['order-service']);
    const second = await call(url, 'GET', `/v1/services?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.body.items.map((s: { name: string }) => s.name)).toEqual(['user-service']);
  });

  it('reads a service with every default filled in', async () => {
    const res = await call(url, 'GET', '/v1/services/order-service');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'order-service', version: 1, revision: 1, phase: 'active' });
    expect(res.body.spec).toMatchObject({
      port: 8081,
      replicas: 3,
      namespace: 'default',
      servicePort: 80,
      resources: { cpu: 100, memory: 128 },
      dependencies: [{ service: 'user-service', rps: 50 }],
      rollout: { strategy: 'canary' },
      mesh: { timeoutMs: 5000 },
    });
    expect(res.body.spec.rollout.steps.map((s: { weight: number }) => s.weight)).toEqual([10, 25, 50, 100]);
  });

  it('updates a service (name taken from the path): a new revision', async () => {
    const { name: _name, ...withoutName } = orderServiceInput;
    const res = await call(url, 'PUT', '/v1/services/order-service', { ...withoutName, replicas: 5 });
    expect(res.status).toBe(202);
    expect(await finished(res.body.operationId)).toMatchObject({ kind: 'update', status: 'succeeded' });
    const read = await call(url, 'GET', '/v1/services/order-service');
    expect(read.body).toMatchObject({ version: 2, revision: 2, spec: { replicas: 5 } });
    const revisions = await call(url, 'GET', '/v1/services/order-service/revisions');
    expect(revisions.body.items.map((r: { revision: number; spec: { replicas: number } }) => [r.revision, r.spec.replicas])).toEqual([
      [2, 5],
      [1, 3],
    ]);
  });

  it('records a deploy request as a deployment readable at its link', async () => {
    const res = await call(url, 'POST', '/v1/services/user-service/deployments', { image: 'registry.example.com/shop/user-service:1.5.0' });
    expect(res.status).toBe(202);
    const { deploymentId, operationId } = res.body;
    expect(res.headers.get('location')).toBe(`/v1/services/user-service/deployments/${deploymentId}`);
    expect(await finished(operationId)).toMatchObject({ kind: 'deploy', status: 'succeeded', result: { deploymentId } });
    const deployment = await call(url, 'GET', `/v1/services/user-service/deployments/${deploymentId}`);
    expect(deployment.status).toBe(200);
    expect(deployment.body).toMatchObject({
      id: deploymentId,
      service: 'user-service',
      image: 'registry.example.com/shop/user-service:1.5.0',
      strategy: 'canary',
      fromRevision: 1,
    });
    // Recorded as pending; the local runtime starts the rollout at once, so it may have moved on.
    expect(['pending', 'running', 'paused']).toContain(deployment.body.status);
    const listed = await call(url, 'GET', '/v1/services/user-service/deployments');
    expect(listed.body.items.map((d: { id: string }) => d.id)).toEqual([deploymentId]);
  });

  it('deletes a service: 404 afterwards, gone from the list, its audit trail kept', async () => {
    const res = await call(url, 'DELETE', '/v1/services/order-service');
    expect(res.status).toBe(202);
    expect(await finished(res.body.operationId)).toMatchObject({ kind: 'deregister', status: 'succeeded' });
    expect((await call(url, 'GET', '/v1/services/order-service')).status).toBe(404);
    expect((await call(url, 'GET', '/v1/services')).body.items.map((s: { name: string }) => s.name)).toEqual(['user-service']);
    const events = await call(url, 'GET', '/v1/services/order-service/events');
    expect(events.status).toBe(200);
    expect(events.body.items.map((e: { type: string }) => e.type)).toEqual(['ServiceDeregistered', 'ServiceUpdated', 'ServiceRegistered']);
  });

  it('keeps an audit trail of user-service, newest first', async () => {
    const events = await call(url, 'GET', '/v1/services/user-service/events?limit=100');
    const types: string[] = events.body.items.map((e: { type: string }) => e.type);
    // The rollout adds its own entries after these two; the spine's are there, in order.
    expect(types.at(-1)).toBe('ServiceRegistered');
    expect(types.indexOf('DeployRequested')).toBeGreaterThanOrEqual(0);
    expect(types.indexOf('DeployRequested')).toBeLessThan(types.length - 1);
    const times = events.body.items.map((e: { at: string }) => e.at);
    expect([...times].sort().reverse()).toEqual(times);
    for (const e of events.body.items) expect(e).toMatchObject({ service: 'user-service', at: expect.any(String) });
  });
});

describe('bad requests get a precise answer', () => {
  const big = JSON.stringify({ ...userServiceInput, name: 'big', env: { PAYLOAD: 'x'.repeat(300 * 1024) } });

  it.each([
    {
      name: 'a name that is not a DNS label',
      method: 'POST',
      path: '/v1/services',
      body: { ...userServiceInput, name: 'User_Service' },
      status: 400,
      code: 'VALIDATION_FAILED',
      problems: ['name'],
    },
    {
      name: 'missing required fields',
      method: 'POST',
      path: '/v1/services',
      body: {},
      status: 400,
      code: 'VALIDATION_FAILED',
      problems: ['image', 'name', 'port'],
    },
    {
      name: 'wrong types',
      method: 'POST',
      path: '/v1/services',
      body: { name: 'typed', image: 42, port: '8080', replicas: 'three' },
      status: 400,
      code: 'VALIDATION_FAILED',
      problems: ['image', 'port', 'replicas'],
    },
    { name: 'a duplicate registration', method: 'POST', path: '/v1/services', body: userServiceInput, status: 409, code: 'ALREADY_EXISTS' },
    { name: 'an unknown service', method: 'GET', path: '/v1/services/nobody', status: 404, code: 'NOT_FOUND' },
    {
      name: 'an update of an unknown service',
      method: 'PUT',
      path: '/v1/services/nobody',
      body: { ...userServiceInput, name: 'nobody' },
      status: 404,
      code: 'NOT_FOUND',
    },
    { name: 'a deploy of an unknown service', method: 'POST', path: '/v1/services/nobody/deployments', body: { image: 'x:1' }, status: 404, code: 'NOT_FOUND' },
    { name: 'an unknown deployment', method: 'GET', path: '/v1/services/user-service/deployments/dep-nope', status: 404, code: 'NOT_FOUND' },
    { name: 'an unknown operation', method: 'GET', path: '/v1/operations/op-nope', status: 404, code: 'NOT_FOUND' },
    { name: 'an unknown path', method: 'GET', path: '/v2/services', status: 404, code: 'NOT_FOUND' },
    { name: 'the wrong method', method: 'PATCH', path: '/v1/services', body: {}, status: 405, code: 'METHOD_NOT_ALLOWED' },
    { name: 'malformed JSON', method: 'POST', path: '/v1/services', body: '{"name": "half', status: 400, code: 'VALIDATION_FAILED' },
    { name: 'a body over the limit', method: 'POST', path: '/v1/services', body: big, status: 413, code: 'PAYLOAD_TOO_LARGE' },
    { name: 'an invalid cursor', method: 'GET', path: '/v1/services?cursor=bogus', status: 400, code: 'VALIDATION_FAILED', problems: ['cursor'] },
    { name: 'a limit out of range', method: 'GET', path: '/v1/services?limit=0', status: 400, code: 'VALIDATION_FAILED', problems: ['query.limit'] },
    {
      name: 'a PUT whose body names another service',
      method: 'PUT',
      path: '/v1/services/user-service',
      body: { ...userServiceInput, name: 'someone-else' },
      status: 400,
      code: 'VALIDATION_FAILED',
      problems: ['name'],
    },
    { name: 'a path name that is not a DNS label', method: 'GET', path: '/v1/services/Bad_Name', status: 400, code: 'VALIDATION_FAILED', problems: ['name'] },
  ])('$name → $status', async ({ method, path, body, status, code, problems }) => {
    const res = await call(url, method, path, body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toEqual(expect.any(String));
    if (problems) expect(res.body.error.problems.map((p: { path: string }) => p.path).sort()).toEqual(problems);
  });

  it('405 names the allowed methods', async () => {
    const res = await call(url, 'PATCH', '/v1/services', {});
    expect(res.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'POST']);
  });

  it('none of the rejected requests changed anything', async () => {
    const list = await call(url, 'GET', '/v1/services');
    expect(list.body.items.map((s: { name: string; revision: number }) => [s.name, s.revision])).toEqual([['user-service', 1]]);
  });
});

describe('the CLI against the running API', () => {
  const cli = (...args: string[]) => run(process.execPath, ['bin/meshplane.mjs', ...args, '--api', url], { cwd: ROOT, timeoutMs: 45_000 });

  it('services apply registers from YAML, then updates; list --json shows it', async () => {
    const file = join(scratch, 'catalog.yaml');
    writeFileSync(file, ['name: catalog-service', 'image: registry.example.com/shop/catalog:1.0.0', 'port: 8082', 'replicas: 2', ''].join('\n'));
    const registered = await cli('services', 'apply', '-f', file);
    expect(registered.stderr).toBe('');
    expect(registered.code).toBe(0);
    expect(registered.stdout).toMatch(/registered catalog-service: done/);

    writeFileSync(file, ['name: catalog-service', 'image: registry.example.com/shop/catalog:1.1.0', 'port: 8082', 'replicas: 4', ''].join('\n'));
    const updated = await cli('services', 'apply', '-f', file);
    expect(updated.code).toBe(0);
    expect(updated.stdout).toMatch(/updated catalog-service: done/);

    const listed = await cli('services', 'list', '--json');
    expect(listed.code).toBe(0);
    const services = JSON.parse(listed.stdout) as { name: string; revision: number; spec: { replicas: number; image: string } }[];
    expect(services.find((s) => s.name === 'catalog-service')).toMatchObject({
      revision: 2,
      spec: { replicas: 4, image: 'registry.example.com/shop/catalog:1.1.0' },
    });
  });

  it('an invalid spec exits non-zero with the API message and every problem', async () => {
    const file = join(scratch, 'broken.yaml');
    writeFileSync(file, ['name: broken-service', 'port: not-a-number', ''].join('\n'));
    const result = await cli('services', 'apply', '-f', file);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/the request is not valid/);
    expect(result.stderr).toMatch(/image/);
    expect(result.stderr).toMatch(/port/);
    expect((await call(url, 'GET', '/v1/services/broken-service')).status).toBe(404);
  });
});

describe('the real entry point', () => {
  it('npm start equivalent: listens on PORT, serves /v1/healthz, exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'local'], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), LOG_LEVEL: 'SILENT', MESHPLANE_DATA_DIR: '', AWS_ENDPOINT_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const [, listening] = await waitForLine(child, /meshplane listening on (http:\/\/\S+)/, 45_000);
      expect(listening).toBe(`http://127.0.0.1:${port}`);
      const health = await call(listening, 'GET', '/v1/healthz');
      expect(health.status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited(child, 20_000)).toEqual({ code: 0, signal: null });
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

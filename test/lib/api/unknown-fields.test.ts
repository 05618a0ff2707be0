/**
 * A misspelt field is a 400 that names it, never a silently applied default: `{"replica": 5}` must not
 * register a service with 2 replicas. The API is exercised through `createApi` with dependencies that
 * throw on any use, so a passing case also shows the request was rejected before anything was stored.
 */
import { describe, expect, it } from 'vitest';
import { ALLOW_ALL_ADMIN_ACCESS } from '../../../lib/api/admin-access.js';
import { createApi, type ApiDeps } from '../../../lib/api/create-api.js';
import type { HttpRequest } from '../../../lib/api/http.js';
import { minimalInput } from '../../support/service-specs.js';

const untouchable = new Proxy({} as ApiDeps, {
  get(_target, property) {
    // Cluster changes are admin actions: these requests are the admin's.
    if (property === 'adminAccess') return ALLOW_ALL_ADMIN_ACCESS;
    throw new Error(`validation should have rejected the request before using deps.${String(property)}`);
  },
});
const api = createApi(untouchable);

async function send(method: string, path: string, body: unknown) {
  const request: HttpRequest = { method, path, query: {}, headers: {}, body: JSON.stringify(body), requestId: 'req-unknown-fields' };
  const res = await api.handle(request);
  return {
    status: res.statusCode,
    body: JSON.parse(res.body ?? '{}') as { error: { code: string; message: string; problems: { path: string; message: string }[] } },
  };
}

const spec = minimalInput('user-service');

describe('unknown fields in request bodies are reported, not dropped', () => {
  it.each([
    {
      name: 'a misspelt top-level field',
      method: 'POST',
      path: '/v1/services',
      body: { ...spec, replica: 5 },
      problem: { path: 'replica', message: 'unknown field' },
    },
    {
      name: 'a misspelt field in rollout',
      method: 'POST',
      path: '/v1/services',
      body: { ...spec, rollout: { stratgy: 'blueGreen' } },
      problem: { path: 'rollout.stratgy', message: 'unknown field' },
    },
    {
      name: 'a misspelt field in a rollout step',
      method: 'POST',
      path: '/v1/services',
      body: { ...spec, rollout: { steps: [{ weight: 100, pause: 5 }] } },
      problem: { path: 'rollout.steps.0.pause', message: 'unknown field' },
    },
    {
      name: 'a misspelt field in the analysis policy',
      method: 'POST',
      path: '/v1/services',
      body: { ...spec, rollout: { analysis: { maxErrorRates: 0.5 } } },
      problem: { path: 'rollout.analysis.maxErrorRates', message: 'unknown field' },
    },
    {
      name: 'a misspelt field in blueGreen',
      method: 'POST',
      path: '/v1/services',
      body: { ...spec, rollout: { blueGreen: { keepOld: 1 } } },
      problem: { path: 'rollout.blueGreen.keepOld', message: 'unknown field' },
    },
    {
      name: 'a misspelt field in resources',
      method: 'POST',
      path: '/v1/services',
      body: { ...spec, resources: { cpus: 500 } },
      problem: { path: 'resources.cpus', message: 'unknown field' },
    },
    {
      name: 'a misspelt field in a dependency',
      method: 'POST',
      path: '/v1/services',
      body: { ...spec, dependencies: [{ service: 'db', rsp: 10 }] },
      problem: { path: 'dependencies.0.rsp', message: 'unknown field' },
    },
    {
      name: 'a misspelt probe',
      method: 'POST',
      path: '/v1/services',
      body: { ...spec, probes: { readyness: { path: '/ready' } } },
      problem: { path: 'probes.readyness', message: 'unknown field' },
    },
    {
      name: 'a misspelt field in a probe',
      method: 'POST',
      path: '/v1/services',
      body: { ...spec, probes: { readiness: { pth: '/ready' } } },
      problem: { path: 'probes.readiness.pth', message: 'unknown field' },
    },
    {
      name: 'a misspelt field in mesh retries',
      method: 'POST',
      path: '/v1/services',
      body: { ...spec, mesh: { retries: { attempt: 3 } } },
      problem: { path: 'mesh.retries.attempt', message: 'unknown field' },
    },
    {
      name: 'a misspelt field in the circuit breaker',
      method: 'POST',
      path: '/v1/services',
      body: { ...spec, mesh: { circuitBreaker: { maxEjection: 10 } } },
      problem: { path: 'mesh.circuitBreaker.maxEjection', message: 'unknown field' },
    },
    {
      name: 'two unknown fields at once',
      method: 'POST',
      path: '/v1/services',
      body: { ...spec, replica: 5, imagePullPolicy: 'Always' },
      problem: { path: 'replica', message: 'unknown field' },
    },
    {
      name: 'a misspelt field in an update',
      method: 'PUT',
      path: '/v1/services/user-service',
      body: { ...spec, replica: 5 },
      problem: { path: 'replica', message: 'unknown field' },
    },
    {
      name: 'a misspelt field in a deploy request',
      method: 'POST',
      path: '/v1/services/user-service/deployments',
      body: { image: 'x/y:2', rolout: {} },
      problem: { path: 'rolout', message: 'unknown field' },
    },
    {
      name: 'a misspelt field in a deploy override',
      method: 'POST',
      path: '/v1/services/user-service/deployments',
      body: { image: 'x/y:2', rollout: { stratgy: 'canary' } },
      problem: { path: 'rollout.stratgy', message: 'unknown field' },
    },
    {
      name: 'a misspelt field in a cluster registration',
      method: 'POST',
      path: '/v1/clusters',
      body: { id: 'prod', target: { kind: 'simulated' }, defualt: true },
      problem: { path: 'defualt', message: 'unknown field' },
    },
    {
      name: 'a misspelt field in a cluster target',
      method: 'POST',
      path: '/v1/clusters',
      body: { id: 'prod', target: { kind: 'eks', name: 'prod', region: 'eu-west-1', role: 'x' } },
      problem: { path: 'target.role', message: 'unknown field' },
    },
    {
      name: 'a misspelt field in an optimizer run',
      method: 'POST',
      path: '/v1/optimizer/runs',
      body: { dryrun: true },
      problem: { path: 'dryrun', message: 'unknown field' },
    },
  ])('$name → 400 naming it', async ({ method, path, body, problem }) => {
    const res = await send(method, path, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.problems).toContainEqual(problem);
    expect(res.body.error.message).toContain(problem.message);
  });

  it('names each of several unknown fields at its own path', async () => {
    const res = await send('POST', '/v1/services', { ...spec, replica: 5, imagePullPolicy: 'Always' });
    expect(res.body.error.problems).toEqual(
      expect.arrayContaining([
        { path: 'replica', message: 'unknown field' },
        { path: 'imagePullPolicy', message: 'unknown field' },
      ]),
    );
  });

  it('reports an unknown field together with the other problems of the body', async () => {
    const res = await send('POST', '/v1/services', { name: 'user-service', port: 0, replica: 5, rollout: { stratgy: 'canary' } });
    expect(res.status).toBe(400);
    expect(res.body.error.problems).toEqual(
      expect.arrayContaining([
        { path: 'replica', message: 'unknown field' },
        { path: 'rollout.stratgy', message: 'unknown field' },
        { path: 'image', message: 'is required' },
        expect.objectContaining({ path: 'port' }),
      ]),
    );
  });
});

describe('unknown fields in a health signal', () => {
  it('POST /v1/alarms names a misspelt field', async () => {
    const res = await send('POST', '/v1/alarms', { service: 'user-service', kind: 'errorRate', state: 'ALARM', sevrity: 'high' });
    expect(res.status).toBe(400);
    expect(res.body.error.problems).toContainEqual({ path: 'sevrity', message: 'unknown field' });
  });
});

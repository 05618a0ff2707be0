import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { AlreadyExistsError, TransientError } from '../../../lib/errors.js';
import { json, MAX_BODY_BYTES, parseBody, type HttpRequest } from '../../../lib/api/http.js';
import { Router, type Route } from '../../../lib/api/router.js';
import { ServiceSpec } from '../../../lib/model/service-spec.js';

function request(method: string, path: string, body?: string): HttpRequest {
  return { method, path, query: {}, headers: {}, body, requestId: 'req-123' };
}

function route(method: Route['method'], path: string, handle: Route['handle']): Route {
  return { method, path, summary: path, tag: 'test', responses: { 200: { description: 'OK' } }, handle };
}

const router = new Router([
  route('GET', '/v1/things', async () => json(200, { items: [] })),
  route('POST', '/v1/things', async ({ request }) => json(202, { spec: parseBody(request, ServiceSpec) })),
  route('GET', '/v1/things/{name}', async ({ params }) => json(200, { name: params.name })),
  route('PUT', '/v1/things/{name}', async ({ params }) => json(202, { name: params.name })),
  route('DELETE', '/v1/things/{name}', async () => json(202, {})),
  route('GET', '/v1/things/{name}/parts/{id}', async ({ params }) => json(200, params)),
  route('GET', '/v1/boom', async () => {
    throw new Error('database password is hunter2');
  }),
  route('GET', '/v1/taken', async () => {
    throw new AlreadyExistsError('service "x" is already registered');
  }),
  route('GET', '/v1/busy', async () => {
    throw new TransientError('DynamoDB is throttling');
  }),
  route('POST', '/v1/strict', async ({ request }) => json(200, parseBody(request, z.object({ a: z.number(), b: z.string() })))),
]);

async function handle(method: string, path: string, body?: string) {
  const res = await router.handle(request(method, path, body));
  return { ...res, json: res.body ? JSON.parse(res.body) : undefined };
}

describe('Router matching', () => {
  it.each([
    { method: 'GET', path: '/v1/things/abc', body: { name: 'abc' } },
    { method: 'GET', path: '/v1/things/abc/', body: { name: 'abc' } },
    { method: 'get', path: '/v1/things/abc', body: { name: 'abc' } },
    { method: 'GET', path: '/v1/things/a%20b', body: { name: 'a b' } },
    { method: 'GET', path: '/v1/things/x/parts/7', body: { name: 'x', id: '7' } },
  ])('$method $path → params', async ({ method, path, body }) => {
    const res = await handle(method, path);
    expect(res.statusCode).toBe(200);
    expect(res.json).toEqual(body);
  });

  it.each(['/v1/nothing', '/v1/things/a/b', '/v1', '/v1/things/x/parts'])('unknown path %s → 404 with a code', async (path) => {
    const res = await handle('GET', path);
    expect(res.statusCode).toBe(404);
    expect(res.json.error.code).toBe('NOT_FOUND');
    expect(res.json.error.message).toContain(path);
  });

  it.each([
    { method: 'POST', path: '/v1/things/abc', allow: ['GET', 'PUT', 'DELETE'] },
    { method: 'DELETE', path: '/v1/things', allow: ['GET', 'POST'] },
    { method: 'PATCH', path: '/v1/things/abc', allow: ['GET', 'PUT', 'DELETE'] },
  ])('$method $path → 405 with Allow: $allow', async ({ method, path, allow }) => {
    const res = await handle(method, path);
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow.split(', ').sort()).toEqual([...allow].sort());
    expect(res.json.error.code).toBe('METHOD_NOT_ALLOWED');
  });
});

describe('Router request bodies', () => {
  it('400 lists every problem with its path', async () => {
    const res = await handle('POST', '/v1/things', JSON.stringify({ name: 'Bad Name', port: 'eighty', replicas: -3 }));
    expect(res.statusCode).toBe(400);
    expect(res.json.error.code).toBe('VALIDATION_FAILED');
    const paths = res.json.error.problems.map((p: { path: string }) => p.path).sort();
    expect(paths).toEqual(['image', 'name', 'port', 'replicas']);
    for (const p of res.json.error.problems) expect(p.message).toEqual(expect.any(String));
  });

  it('nested problems carry dotted paths', async () => {
    const res = await handle(
      'POST',
      '/v1/things',
      JSON.stringify({
        name: 'a',
        image: 'i',
        port: 1,
        dependencies: [
          { service: 'a', rps: 1 },
          { service: 'B', rps: 1 },
        ],
      }),
    );
    expect(res.statusCode).toBe(400);
    expect(res.json.error.problems.map((p: { path: string }) => p.path).sort()).toEqual(['dependencies.0.service', 'dependencies.1.service']);
  });

  it.each(['{"name":', '{name: "a"}', 'not json', '[1,2,'])('malformed JSON %j → 400', async (body) => {
    const res = await handle('POST', '/v1/strict', body);
    expect(res.statusCode).toBe(400);
    expect(res.json.error.code).toBe('VALIDATION_FAILED');
    expect(res.json.error.message).toMatch(/not JSON/);
  });

  it('an empty body is an empty object (so required fields are reported, not a parse error)', async () => {
    const res = await handle('POST', '/v1/strict', '');
    expect(res.statusCode).toBe(400);
    expect(res.json.error.problems.map((p: { path: string }) => p.path).sort()).toEqual(['a', 'b']);
  });

  it('a body of exactly the limit is read; one byte more → 413', async () => {
    const filler = (n: number) => JSON.stringify({ a: 1, b: 'x'.repeat(n - JSON.stringify({ a: 1, b: '' }).length) });
    const atLimit = await handle('POST', '/v1/strict', filler(MAX_BODY_BYTES));
    expect(atLimit.statusCode).toBe(200);
    const over = await handle('POST', '/v1/strict', filler(MAX_BODY_BYTES + 1));
    expect(over.statusCode).toBe(413);
    expect(over.json.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('counts the limit in UTF-8 bytes, not characters', async () => {
    const chars = Math.ceil(MAX_BODY_BYTES / 3) + 10; // "€" is 3 bytes
    const res = await handle('POST', '/v1/strict', JSON.stringify({ a: 1, b: '€'.repeat(chars) }));
    expect(res.statusCode).toBe(413);
  });
});

describe('Router errors', () => {
  let logged: unknown[][] = [];
  beforeEach(() => {
    logged = [];
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(args));
  });
  afterEach(() => vi.restoreAllMocks());

  it('an unknown error → 500 naming the request id, with no message or stack in the body', async () => {
    const res = await handle('GET', '/v1/boom');
    expect(res.statusCode).toBe(500);
    expect(res.json).toEqual({ error: { code: 'INTERNAL', message: expect.stringContaining('req-123') } });
    expect(res.body).not.toContain('hunter2');
    expect(res.body).not.toMatch(/at .*\.ts:\d+/);
    // The details go to the log instead, where operators can find them by request id.
    expect(JSON.stringify(logged)).toContain('hunter2');
  });

  it('a typed 4xx keeps its status, code and message', async () => {
    const res = await handle('GET', '/v1/taken');
    expect(res.statusCode).toBe(409);
    expect(res.json.error).toEqual({ code: 'ALREADY_EXISTS', message: 'service "x" is already registered' });
  });

  it('a retryable error → 503 with Retry-After', async () => {
    const res = await handle('GET', '/v1/busy');
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json.error.code).toBe('TRANSIENT');
  });
});

describe('Router route groups (loaded on the first request to one of their paths)', () => {
  function counted(paths: string[], routes: () => Route[]) {
    const group = { paths, loads: 0, load: async () => (group.loads++, routes()) };
    return group;
  }

  it('loads a group only when a request names one of its paths, and once', async () => {
    const things = counted(['/v1/things', '/v1/things/{name}'], () => [
      route('GET', '/v1/things', async () => json(200, { items: [] })),
      route('GET', '/v1/things/{name}', async ({ params }) => json(200, params)),
    ]);
    const others = counted(['/v1/others'], () => [route('GET', '/v1/others', async () => json(200, {}))]);
    const grouped = new Router([things, others, route('GET', '/v1/healthz', async () => json(200, { ok: true }))]);
    expect((await grouped.handle(request('GET', '/v1/healthz'))).statusCode).toBe(200);
    expect((await grouped.handle(request('GET', '/v1/nothing'))).statusCode).toBe(404);
    expect([things.loads, others.loads]).toEqual([0, 0]);
    expect(JSON.parse((await grouped.handle(request('GET', '/v1/things/a%20b'))).body)).toEqual({ name: 'a b' });
    await Promise.all([grouped.handle(request('GET', '/v1/things')), grouped.handle(request('GET', '/v1/things/x/'))]);
    expect([things.loads, others.loads]).toEqual([1, 0]);
    expect((await grouped.routes()).map((r) => r.path)).toEqual(['/v1/things', '/v1/things/{name}', '/v1/others', '/v1/healthz']);
    expect(others.loads).toBe(1);
  });

  it('answers 405 with the methods of every group serving the path, in order', async () => {
    const reads = counted(['/v1/things/{name}'], () => [route('GET', '/v1/things/{name}', async () => json(200, {}))]);
    const writes = counted(['/v1/things/{name}', '/v1/things/{name}/parts'], () => [
      route('PUT', '/v1/things/{name}', async () => json(202, {})),
      route('GET', '/v1/things/{name}/parts', async () => json(200, {})),
    ]);
    const res = await new Router([reads, writes]).handle(request('POST', '/v1/things/a'));
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, PUT');
  });

  it('fails (500) naming the difference when a group serves other paths than it declares', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const wrong = counted(['/v1/things'], () => [
        route('GET', '/v1/things', async () => json(200, {})),
        route('GET', '/v1/stuff', async () => json(200, {})),
      ]);
      const router = new Router([wrong]);
      expect((await router.handle(request('GET', '/v1/things'))).statusCode).toBe(500);
      await expect(router.routes()).rejects.toThrow(/declares the paths \/v1\/things but serves \/v1\/stuff, \/v1\/things/);
    } finally {
      spy.mockRestore();
    }
  });

  it('tries a group whose module failed to load again at the next request', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      let attempt = 0;
      const flaky = {
        paths: ['/v1/things'],
        load: async () => {
          if (attempt++ === 0) throw new Error('chunk could not be read');
          return [route('GET', '/v1/things', async () => json(200, { items: [] }))];
        },
      };
      const router = new Router([flaky]);
      expect((await router.handle(request('GET', '/v1/things'))).statusCode).toBe(500);
      expect((await router.handle(request('GET', '/v1/things'))).statusCode).toBe(200);
    } finally {
      spy.mockRestore();
    }
  });
});

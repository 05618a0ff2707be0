/**
 * Hostile input gets a clear 4xx, nothing else: every route of the API, on the real local stack (front
 * door, handler, emulators), with huge and deep bodies, wrong content types, traversal and control
 * characters in names, prototype-pollution keys, odd unicode and broken JSON. No answer is a 5xx, none
 * carries a stack trace, none echoes the secret planted in the input, and Object.prototype stays clean.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { useE2eRuntime } from '../../e2e/support/e2e-runtime.js';

const SECRET = 'hunter2-planted-secret';

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A raw HTTP request: the path goes out exactly as written (fetch would normalise `..` away). */
function send(base: string, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method, path, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const deep = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** Write routes with a body, as concrete paths (the names exist or not: either way a 4xx is expected for bad bodies). */
const BODY_ROUTES: [string, string][] = [
  ['POST', '/v1/services'],
  ['PUT', '/v1/services/user-service'],
  ['POST', '/v1/services/user-service/deployments'],
  ['POST', '/v1/services/user-service/rollback'],
  ['POST', '/v1/alarms'],
  ['POST', '/v1/clusters'],
  ['POST', '/v1/optimizer/runs'],
];

const BAD_BODIES: { name: string; body: string | Buffer; headers?: Record<string, string> }[] = [
  { name: 'broken JSON holding a secret', body: `{"name": "${SECRET}` },
  { name: 'a bare secret', body: SECRET },
  { name: 'deeply nested objects', body: deep(20_000) },
  { name: 'deeply nested arrays', body: deepArray(100_000) },
  { name: 'a body over 256 KiB', body: `{"name":"${'x'.repeat(300 * 1024)}"}` },
  { name: 'an XML body', body: `<service><name>${SECRET}</name></service>`, headers: { 'content-type': 'application/xml' } },
  { name: 'a form body', body: `name=${SECRET}&image=x`, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
  { name: 'invalid UTF-8', body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) },
  { name: 'a JSON array', body: '[1,2,3]' },
  { name: 'a JSON string', body: `"${SECRET}"` },
  { name: 'JSON null', body: 'null' },
  { name: '__proto__ pollution', body: `{"__proto__":{"polluted":"${SECRET}"},"constructor":{"prototype":{"polluted":"${SECRET}"}}}` },
  {
    name: 'unicode look-alikes and control characters',
    body: JSON.stringify({ name: 'usеr-service\u202e\u0000', image: 'a\u0000b', id: 'ｐｒｏｄ', service: '😀' }),
  },
  { name: 'numbers out of range', body: '{"replicas": 1e400, "port": -1, "maxMoves": 1e309}' },
];

const BAD_NAMES = [
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e',
  '..',
  'a%00b',
  '%E2%80%AEevil',
  '%ZZ',
  'UPPER',
  `${'a'.repeat(300)}`,
  '__proto__',
  'constructor',
  '%F0%9F%98%80',
];

const NAME_ROUTES = (name: string): [string, string][] => [
  ['GET', `/v1/services/${name}`],
  ['PUT', `/v1/services/${name}`],
  ['DELETE', `/v1/services/${name}`],
  ['GET', `/v1/services/${name}/events`],
  ['GET', `/v1/services/${name}/revisions`],
  ['GET', `/v1/services/${name}/deployments`],
  ['GET', `/v1/services/user-service/deployments/${name}`],
  ['POST', `/v1/services/user-service/deployments/${name}/promote`],
  ['GET', `/v1/operations/${name}`],
  ['GET', `/v1/optimizer/runs/${name}`],
  ['GET', `/v1/clusters/${name}`],
  ['DELETE', `/v1/clusters/${name}`],
];

function expectClean4xx(answer: Answer, what: string): void {
  expect(answer.status, `${what}: ${answer.body.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(answer.status, `${what}: ${answer.body.slice(0, 300)}`).toBeLessThan(500);
  expect(answer.body, what).not.toContain(SECRET);
  expect(answer.body, what).not.toMatch(/\n\s+at |stack|node_modules|\.ts:\d+/);
  if (answer.body) expect(() => JSON.parse(answer.body), what).not.toThrow();
}

describe('hostile input', () => {
  const rt = useE2eRuntime();

  it.each(BODY_ROUTES)('%s %s: every bad body is a clean 4xx', async (method, path) => {
    for (const bad of BAD_BODIES) expectClean4xx(await send(rt().url, method, path, bad.body, bad.headers), `${method} ${path} with ${bad.name}`);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each(BAD_NAMES)('names in paths: %s is a clean 4xx everywhere', async (name) => {
    for (const [method, path] of NAME_ROUTES(name))
      expectClean4xx(await send(rt().url, method, path, method === 'GET' || method === 'DELETE' ? undefined : '{}'), `${method} ${path}`);
  });

  it.each([
    ['limit not a number', '/v1/services?limit=abc'],
    ['limit out of range', '/v1/services?limit=1e400'],
    ['a forged cursor', `/v1/services?cursor=${Buffer.from(JSON.stringify({ pk: { S: 'SVC#x' }, sk: { S: SECRET } })).toString('base64url')}`],
    ['a cursor that is not base64', '/v1/services?cursor=%00%00'],
    ['a huge cursor', `/v1/services?cursor=${'A'.repeat(4000)}`],
    ['events with a forged cursor', `/v1/services/user-service/events?cursor=${Buffer.from('{"pk":{"N":"1"}}').toString('base64url')}`],
  ])('query strings: %s is a clean 4xx', async (what, path) => {
    expectClean4xx(await send(rt().url, 'GET', path), what);
  });

  it('a header block over 16 KiB is refused by the server itself', async () => {
    const answer = await send(rt().url, 'GET', '/v1/services', undefined, { 'x-big': 'x'.repeat(20_000) }).catch(() => ({
      status: 431,
      body: '',
      headers: {},
    }));
    expect(answer.status).toBe(431);
  });

  it('an unknown method and an unknown path are 405 and 404', async () => {
    expectClean4xx(await send(rt().url, 'PATCH', '/v1/services'), 'PATCH');
    // A 404 names the path it was asked for (it is in every access log anyway); bodies are never quoted.
    expectClean4xx(await send(rt().url, 'GET', '/v1/nothing-here'), 'unknown path');
  });

  it('the runtime still serves normally afterwards', async () => {
    expect((await send(rt().url, 'GET', '/v1/healthz')).status).toBe(200);
    expect((await send(rt().url, 'GET', '/v1/services')).status).toBe(200);
  });
});

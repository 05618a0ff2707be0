/**
 * The CLI reaches a deployed API, whose HTTP API has a JWT authorizer, by sending `Authorization:
 * Bearer <token>` from `--token` or `MESHPLANE_TOKEN`. The server below is a boundary stub standing in
 * for API Gateway: it records every request and, like a JWT authorizer, answers 401
 * `{"message":"Unauthorized"}` unless the expected bearer token is present.
 */
import { execFile } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiClient, ApiError, DEFAULT_API_URL, resolveApiConnection } from '../../cli/api-client.js';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwbGF0Zm9ybSJ9.c2lnbmF0dXJl';
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'meshplane.mjs');

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let baseUrl: string;
const recorded: Recorded[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      recorded.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.setHeader('content-type', 'application/json');
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.statusCode = 401;
        return res.end(JSON.stringify({ message: 'Unauthorized' }));
      }
      if (req.method === 'GET' && req.url?.startsWith('/v1/services')) return res.end(JSON.stringify({ items: [] }));
      res.statusCode = 202;
      res.end(JSON.stringify({ operationId: 'op-1', status: 'pending' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

beforeEach(() => {
  recorded.length = 0;
});

/** Runs the real CLI entry as a user would; resolves with its exit code and output. */
function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { timeout: 30_000, encoding: 'utf8', env: { ...process.env, MESHPLANE_TOKEN: '', MESHPLANE_API: '', ...env, NODE_NO_WARNINGS: '1' } },
      (err, stdout, stderr) => {
        const code = (err as { code?: unknown } | null)?.code;
        resolve({ exitCode: err ? (typeof code === 'number' ? code : -1) : 0, stdout, stderr });
      },
    );
  });
}

describe('resolveApiConnection', () => {
  it.each([
    { name: 'defaults', flags: {}, env: {}, expected: { baseUrl: DEFAULT_API_URL } },
    {
      name: 'environment only',
      flags: {},
      env: { MESHPLANE_API: 'https://api.example.com', MESHPLANE_TOKEN: 'from-env' },
      expected: { baseUrl: 'https://api.example.com', token: 'from-env' },
    },
    {
      name: 'flags over environment',
      flags: { api: 'https://flag.example.com', token: 'from-flag' },
      env: { MESHPLANE_API: 'https://api.example.com', MESHPLANE_TOKEN: 'from-env' },
      expected: { baseUrl: 'https://flag.example.com', token: 'from-flag' },
    },
    { name: 'empty variables count as unset', flags: {}, env: { MESHPLANE_API: '', MESHPLANE_TOKEN: '' }, expected: { baseUrl: DEFAULT_API_URL } },
  ])('$name', ({ flags, env, expected }) => {
    expect(resolveApiConnection(flags, env)).toEqual(expected);
  });
});

describe('ApiClient against a JWT-authorized API', () => {
  it('sends the bearer token on reads and on writes, next to the JSON content type', async () => {
    const api = new ApiClient({ baseUrl, token: TOKEN });
    expect(await api.request('GET', '/v1/services')).toEqual({ items: [] });
    expect(await api.request('POST', '/v1/services', { name: 'user-service' })).toMatchObject({ operationId: 'op-1' });

    expect(recorded.map((r) => [r.method, r.headers.authorization])).toEqual([
      ['GET', `Bearer ${TOKEN}`],
      ['POST', `Bearer ${TOKEN}`],
    ]);
    expect(recorded[1].headers['content-type']).toBe('application/json');
    expect(JSON.parse(recorded[1].body)).toEqual({ name: 'user-service' });
  });

  it('sends no Authorization header without a token, and a 401 tells how to pass one', async () => {
    const api = new ApiClient({ baseUrl });
    const failure = await api.request('GET', '/v1/services').catch((err: unknown) => err);
    expect(recorded[0].headers.authorization).toBeUndefined();
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).status).toBe(401);
    expect((failure as ApiError).message).toBe('Unauthorized (this API needs a token: pass --token or set MESHPLANE_TOKEN)');
  });

  it('a rejected token is reported as such', async () => {
    const failure = await new ApiClient({ baseUrl, token: 'expired' }).request('GET', '/v1/services').catch((err: unknown) => err);
    expect((failure as ApiError).message).toBe('Unauthorized (the token was rejected)');
  });
});

describe('the meshplane CLI', () => {
  it('passes --token to the API', async () => {
    const run = await runCli(['services', 'list', '--json', '--api', baseUrl, '--token', TOKEN], {});
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([]);
    expect(recorded.map((r) => r.headers.authorization)).toEqual([`Bearer ${TOKEN}`]);
  });

  it('takes the token from MESHPLANE_TOKEN (and the API from MESHPLANE_API)', async () => {
    const run = await runCli(['services', 'list', '--json'], { MESHPLANE_API: baseUrl, MESHPLANE_TOKEN: TOKEN });
    expect(run.exitCode).toBe(0);
    expect(recorded.map((r) => r.headers.authorization)).toEqual([`Bearer ${TOKEN}`]);
  });

  it('exits 1 with the hint when the API wants a token and none was given', async () => {
    const run = await runCli(['services', 'list', '--api', baseUrl], {});
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('meshplane: Unauthorized (this API needs a token: pass --token or set MESHPLANE_TOKEN)');
  });

  it('documents --token in its help', async () => {
    const run = await runCli(['--help'], {});
    expect(run.stdout).toMatch(/--token TOKEN .*JWT/);
    expect(run.stdout).toContain('$MESHPLANE_TOKEN');
  });
});

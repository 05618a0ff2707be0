/**
 * The CLI reaches a deployed API either with a JWT authorizer, by sending `Authorization: Bearer <token>`
 * from `--token` or `MESHPLANE_TOKEN`, or in the stack's default IAM mode, by signing every request with
 * SigV4 for `execute-api`. The servers below are boundary stubs standing in for API Gateway (nothing here
 * can emulate its authorizers): one answers 401 `{"message":"Unauthorized"}` unless the expected bearer
 * token is present, like a JWT authorizer; the other recomputes the SigV4 signature from the AWS spec
 * (independently of the signer under test) and answers 403 when it does not match, like IAM authorization.
 */
import { execFile } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiClient, ApiError, DEFAULT_API_URL, executeApiRegion, resolveApiConnection } from '../../cli/api-client.js';
import { expectedSigV4Signature } from '../lib/adapters/metrics/sigv4-reference.js';

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
    { name: 'the local runtime on PORT', flags: {}, env: { PORT: '9090' }, expected: { baseUrl: 'http://127.0.0.1:9090' } },
    {
      name: 'MESHPLANE_API over PORT',
      flags: {},
      env: { PORT: '9090', MESHPLANE_API: 'https://api.example.com' },
      expected: { baseUrl: 'https://api.example.com' },
    },
    {
      name: 'an execute-api URL without a token is signed for its region',
      flags: { api: 'https://abc123.execute-api.eu-west-1.amazonaws.com' },
      env: {},
      expected: { baseUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com', auth: 'iam', region: 'eu-west-1' },
    },
    {
      name: 'an execute-api URL with a token uses the token',
      flags: { api: 'https://abc123.execute-api.eu-west-1.amazonaws.com', token: 't' },
      env: {},
      expected: { baseUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com', token: 't' },
    },
    {
      name: '--auth iam on a custom domain signs for AWS_REGION',
      flags: { api: 'https://meshplane.example.com', auth: 'iam' },
      env: { AWS_REGION: 'us-east-2' },
      expected: { baseUrl: 'https://meshplane.example.com', auth: 'iam', region: 'us-east-2' },
    },
    {
      name: 'MESHPLANE_AUTH=none sends nothing even to execute-api',
      flags: { api: 'https://abc123.execute-api.eu-west-1.amazonaws.com' },
      env: { MESHPLANE_AUTH: 'none' },
      expected: { baseUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com' },
    },
  ])('$name', ({ flags, env, expected }) => {
    expect(resolveApiConnection(flags, env)).toEqual(expected);
  });

  it.each([
    [{ auth: 'iam', api: 'https://meshplane.example.com' }, {}, "--auth iam needs the API's region: set AWS_REGION"],
    [{ auth: 'kerberos' }, {}, '--auth must be iam, token or none, not "kerberos"'],
    [{ auth: 'token' }, {}, '--auth token needs --token TOKEN or MESHPLANE_TOKEN'],
  ])('refuses %j with a message saying what to do', (flags, env, message) => {
    expect(() => resolveApiConnection(flags, env)).toThrow(message);
  });

  it.each([
    ['https://a1b2c3.execute-api.us-east-1.amazonaws.com/v1/services', 'us-east-1'],
    ['https://a1b2c3.execute-api.cn-north-1.amazonaws.com.cn', 'cn-north-1'],
    ['https://meshplane.example.com', undefined],
    ['not a url', undefined],
  ])('executeApiRegion(%s) = %s', (url, region) => {
    expect(executeApiRegion(url)).toBe(region);
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
    expect((failure as ApiError).message).toBe('Unauthorized (this API needs a token (pass --token or set MESHPLANE_TOKEN) or IAM signing (--auth iam))');
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
    expect(run.stderr).toContain('meshplane: Unauthorized (this API needs a token (pass --token or set MESHPLANE_TOKEN) or IAM signing (--auth iam))');
  });

  it('documents --token in its help', async () => {
    const run = await runCli(['--help'], {});
    expect(run.stdout).toMatch(/--token TOKEN .*JWT/);
    expect(run.stdout).toContain('$MESHPLANE_TOKEN');
  });
});

describe('the meshplane CLI against an IAM-authorized API', () => {
  const ACCESS_KEY = 'AKIDEXAMPLE';
  const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
  let iamServer: Server;
  let iamUrl: string;
  const seen: { method: string; path: string; credential: string; valid: boolean; token?: string }[] = [];

  beforeAll(async () => {
    iamServer = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        const query = [...url.searchParams]
          .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
          .sort()
          .join('&');
        let valid = false;
        let credential = '';
        try {
          const expected = expectedSigV4Signature({ method: req.method ?? '', path: url.pathname, query, headers: req.headers, body, secretAccessKey: SECRET });
          credential = expected.credential;
          valid = String(req.headers.authorization).endsWith(`Signature=${expected.signature}`);
        } catch {
          valid = false;
        }
        const token = req.headers['x-amz-security-token'] as string | undefined;
        seen.push({ method: req.method ?? '', path: url.pathname, credential, valid, token });
        res.setHeader('content-type', 'application/json');
        if (!valid) {
          res.statusCode = 403;
          return res.end(JSON.stringify({ message: 'Forbidden' }));
        }
        if (req.method === 'GET')
          return res.end(
            JSON.stringify({ items: [{ id: 'local', target: { kind: 'simulated', url: 'http://127.0.0.1:1' }, default: true, createdAt: 'now' }] }),
          );
        res.statusCode = 202;
        res.end(JSON.stringify({ deploymentId: 'd-1', operationId: 'op-1' }));
      });
    });
    await new Promise<void>((resolve) => iamServer.listen(0, '127.0.0.1', resolve));
    iamUrl = `http://127.0.0.1:${(iamServer.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => iamServer?.close(() => resolve()));
  });

  beforeEach(() => {
    seen.length = 0;
  });

  const awsEnv = { AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: 'session-1', AWS_REGION: 'eu-west-1', AWS_PROFILE: '' };

  it('signs reads and writes with the credentials of the default chain (here: the environment)', async () => {
    const list = await runCli(['clusters', 'list', '--api', iamUrl, '--auth', 'iam'], awsEnv);
    expect(list.stderr).toBe('');
    expect(list.exitCode).toBe(0);
    expect(list.stdout).toMatch(/local\s+simulated at http:\/\/127\.0\.0\.1:1\s+yes/);
    const deploy = await runCli(['deploy', 'checkout', '--image', 'checkout:2', '--api', iamUrl, '--auth', 'iam'], awsEnv);
    expect(deploy.exitCode).toBe(0);
    expect(seen.map((s) => [s.method, s.path, s.valid, s.token])).toEqual([
      ['GET', '/v1/clusters', true, 'session-1'],
      ['POST', '/v1/services/checkout/deployments', true, 'session-1'],
    ]);
    expect(seen[0].credential).toMatch(/^AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request$/);
  });

  it('a signature made with the wrong secret is refused, and the 403 says what the identity needs', async () => {
    const run = await runCli(['clusters', 'list', '--api', iamUrl, '--auth', 'iam'], { ...awsEnv, AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
    expect(run.exitCode).toBe(1);
    expect(seen[0].valid).toBe(false);
    expect(run.stderr).toContain('Forbidden (your AWS identity may not invoke this API: it needs execute-api:Invoke on it)');
  });
});

describe('the meshplane CLI: version and help per command', () => {
  it('prints its version', async () => {
    const run = await runCli(['--version'], {});
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("prints one command's help with its details, and refuses an unknown one", async () => {
    const deploy = await runCli(['help', 'deploy'], {});
    expect(deploy.stdout).toContain('meshplane deploy NAME --image IMAGE [--watch] [--timeout SECONDS]');
    expect(deploy.stdout).toContain('2 when it is rolled back');
    expect(deploy.stdout).not.toContain('meshplane services list');
    expect((await runCli(['clusters', '--help'], {})).stdout).toContain('{kind: eks, name: NAME, region: REGION, roleArn?: ARN}');
    const unknown = await runCli(['help', 'frobnicate'], {});
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain('no command "frobnicate"');
  });
});

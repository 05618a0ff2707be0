/**
 * Nobody in, on the real local stack: cluster registration names no arbitrary file and runs no
 * command, answers never quote a kubeconfig or a file, cluster changes are admin actions (the admin
 * token when the operator set one; otherwise this machine, never a web page), and every server the
 * runtime starts listens on 127.0.0.1 only.
 */
import { mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMeshplaneLocal } from '../../cli/local-runtime.js';
import type { LocalRuntime } from '../../lib/local/runtime.js';
import { MeshplaneApi } from './support/meshplane-api.js';

const SECRET = 'AKIA-planted-secret-value';
const ADMIN_TOKEN = 'admin-token-0123456789abcdef';

const root = mkdtempSync(join(tmpdir(), 'meshplane-cluster-security-'));
const allowedDir = join(root, 'kubeconfigs');
const outside = join(root, 'outside');

async function start(options: { adminToken?: string } = {}): Promise<LocalRuntime> {
  process.env.LOG_LEVEL ??= 'WARN';
  return startMeshplaneLocal({ port: 0, timeFactor: 0.02, sim: { readyDelayMs: 0 }, kubeconfigDir: allowedDir, log: () => undefined, ...options });
}

/** A request with exactly these headers (fetch would not send a foreign Host); the status, raw text and headers. */
function send(
  base: string,
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; headers: IncomingHttpHeaders }> {
  const url = new URL(base);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method, path, headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const postCluster = (base: string, body: unknown, headers: Record<string, string> = {}) => send(base, 'POST', '/v1/clusters', body, headers);

const kubeconfigWith = (user: string, server = 'https://k8s.example:6443') =>
  `clusters: [{ name: c, cluster: { server: "${server}" } }]\nusers: [{ name: u, user: ${user} }]\ncontexts: [{ name: x, context: { cluster: c, user: u } }]\ncurrent-context: x\n`;

beforeAll(async () => {
  await mkdir(allowedDir);
  await mkdir(outside);
  await writeFile(join(outside, 'secret.yaml'), kubeconfigWith(`{ token: ${SECRET} }`));
  await symlink(join(outside, 'secret.yaml'), join(allowedDir, 'escape.yaml'));
  await writeFile(join(allowedDir, 'broken.yaml'), `clusters:\n  - name: [${SECRET}\n`);
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('cluster registration on the local stack (no admin token)', () => {
  let rt: LocalRuntime;
  let api: MeshplaneApi;
  beforeAll(async () => {
    rt = await start();
    api = new MeshplaneApi(rt.url);
  }, 60_000);
  afterAll(() => rt?.stop());

  it.each([
    { name: '/proc/self/environ', target: { kind: 'kubeconfig', path: '/proc/self/environ' }, field: 'target.path' },
    { name: 'a file outside the allowed directory', target: { kind: 'kubeconfig', path: join(outside, 'secret.yaml') }, field: 'target.path' },
    { name: 'a .. escape', target: { kind: 'kubeconfig', path: '../outside/secret.yaml' }, field: 'target.path' },
    { name: 'a symlink out of the allowed directory', target: { kind: 'kubeconfig', path: 'escape.yaml' }, field: 'target.path' },
    { name: 'a broken file inside it that holds a secret', target: { kind: 'kubeconfig', path: 'broken.yaml' }, field: 'target.path' },
    {
      name: 'an exec plugin',
      target: {
        kind: 'kubeconfig',
        kubeconfig: kubeconfigWith('{ exec: { apiVersion: client.authentication.k8s.io/v1, command: touch, args: [/tmp/pwned] } }'),
      },
      field: 'target.kubeconfig',
    },
    {
      name: 'an auth-provider',
      target: { kind: 'kubeconfig', kubeconfig: kubeconfigWith('{ auth-provider: { name: gcp, config: { cmd-path: /bin/sh } } }') },
      field: 'target.kubeconfig',
    },
    {
      name: 'a token-file outside the directory',
      target: { kind: 'kubeconfig', kubeconfig: kubeconfigWith(`{ token-file: ${join(outside, 'secret.yaml')} }`) },
      field: 'target.kubeconfig',
    },
    { name: 'broken inline YAML holding a secret', target: { kind: 'kubeconfig', kubeconfig: `users: [ { token: ${SECRET} ` }, field: 'target.kubeconfig' },
    { name: 'both a path and content', target: { kind: 'kubeconfig', path: 'x', kubeconfig: 'y' }, field: 'target.kubeconfig' },
  ])('refuses $name with a 400 naming $field, quoting nothing', async ({ target, field }) => {
    const answer = await postCluster(rt.url, { id: 'evil', default: true, target });
    expect(answer.status, answer.text).toBe(400);
    const body = JSON.parse(answer.text);
    expect(
      body.error.problems.some((p: { path: string }) => p.path.startsWith(field)),
      answer.text,
    ).toBe(true);
    expect(answer.text).not.toContain(SECRET);
    expect(answer.text).not.toMatch(/PATH=|HOME=|AWS_/);
    // Nothing was stored, and the default did not move.
    expect((await api.request('GET', '/v1/clusters/evil')).status).toBe(404);
    expect((await api.expect(200, 'GET', '/v1/clusters')).items.filter((c: { default: boolean }) => c.default).map((c: { id: string }) => c.id)).toEqual([
      'local',
    ]);
  });

  it('runs a service on a cluster registered with an inline kubeconfig, and never serves the kubeconfig back', async () => {
    const kubeconfig = rt.sim!.kubeconfigYaml('inline');
    expect((await postCluster(rt.url, { id: 'inline', target: { kind: 'kubeconfig', kubeconfig } })).status).toBe(201);
    const token = /token:\s*"?([^\s"]+)/.exec(kubeconfig)![1];
    for (const path of ['/v1/clusters', '/v1/clusters/inline']) expect(JSON.stringify(await api.expect(200, 'GET', path))).not.toContain(token);

    await api.register({ name: 'inline-service', image: 'registry.example.com/inline:1.0.0', port: 8080, replicas: 2, cluster: 'inline' });
    await api.waitForReadyReplicas('inline-service', 2);
    await api.deregister('inline-service');
    expect((await api.request('DELETE', '/v1/clusters/inline')).status).toBe(204);
  });

  it('accepts a kubeconfig file inside the allowed directory', async () => {
    await writeFile(join(allowedDir, 'sim.yaml'), rt.sim!.kubeconfigYaml('from-file'));
    const answer = await postCluster(rt.url, { id: 'from-file', target: { kind: 'kubeconfig', path: 'sim.yaml' } });
    expect(answer.status, answer.text).toBe(201);
    expect((await api.request('DELETE', '/v1/clusters/from-file')).status).toBe(204);
  });

  it.each([
    ['a web page of another site', { origin: 'https://evil.example' }],
    ['a sandboxed page', { origin: 'null' }],
    ['a cross-site fetch', { 'sec-fetch-site': 'cross-site' }],
    ['DNS rebinding (a foreign Host)', { host: 'evil.example' }],
  ])('refuses cluster changes from %s with 403', async (_what, headers) => {
    const answer = await postCluster(rt.url, { id: 'evil', default: true, target: { kind: 'simulated', url: rt.sim!.url } }, headers as Record<string, string>);
    expect(answer.status, answer.text).toBe(403);
    expect((await api.request('GET', '/v1/clusters/evil')).status).toBe(404);
  });

  it('listens on 127.0.0.1 only: the HTTP API, the simulated cluster, DynamoDB and SQS emulators', () => {
    const listening = listeningSocketsOfThisProcess();
    const ports = new Set(listening.map((s) => s.port));
    for (const url of [rt.url, rt.sim!.url, rt.app.config.endpoints!.dynamodb!, rt.app.config.endpoints!.sqs!])
      expect(ports, url).toContain(Number(new URL(url).port));
    expect(listening.filter((s) => s.address !== '127.0.0.1')).toEqual([]);
  });
});

describe('cluster registration with an admin token', () => {
  let rt: LocalRuntime;
  beforeAll(async () => {
    rt = await start({ adminToken: ADMIN_TOKEN });
  }, 60_000);
  afterAll(() => rt?.stop());

  const target = () => ({ kind: 'simulated', url: rt.sim!.url });

  it('answers 401 without the token and 403 with a wrong one; the default stays', async () => {
    const none = await postCluster(rt.url, { id: 'takeover', default: true, target: target() });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect((await postCluster(rt.url, { id: 'takeover', default: true, target: target() }, { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(
      403,
    );
    expect((await postCluster(rt.url, { id: 'takeover', default: true, target: target() }, { authorization: `Basic ${ADMIN_TOKEN}` })).status).toBe(401);
    expect((await send(rt.url, 'DELETE', '/v1/clusters/local', undefined)).status).toBe(401);
    const clusters = await new MeshplaneApi(rt.url).expect(200, 'GET', '/v1/clusters');
    expect(clusters.items.map((c: { id: string; default: boolean }) => [c.id, c.default])).toEqual([['local', true]]);
  });

  it('registers and removes clusters with the token', async () => {
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    expect((await postCluster(rt.url, { id: 'second', target: target() }, auth)).status).toBe(201);
    expect((await send(rt.url, 'DELETE', '/v1/clusters/second', undefined, auth)).status).toBe(204);
  });
});

/** Every TCP socket this process listens on, read from /proc (IPv4 and IPv6), by inode of its open file descriptors. */
function listeningSocketsOfThisProcess(): { address: string; port: number }[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const sockets: { address: string; port: number }[] = [];
  for (const [file, v6] of [
    ['/proc/net/tcp', false],
    ['/proc/net/tcp6', true],
  ] as const) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A' || !inodes.has(cols[9])) continue; // 0A: LISTEN
      const [hex, port] = cols[1].split(':');
      sockets.push({ address: v6 ? ipv6(hex) : ipv4(hex), port: parseInt(port, 16) });
    }
  }
  return sockets;
}

const ipv4 = (hex: string) => [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
/** An IPv4-mapped address as IPv4 (`::ffff:127.0.0.1` → 127.0.0.1), `::1` and `::` by name, anything else as its hex. */
function ipv6(hex: string): string {
  if (hex.startsWith('0000000000000000FFFF0000')) return ipv4(hex.slice(24));
  return hex === '00000000000000000000000001000000' ? '::1' : hex === '0'.repeat(32) ? '::' : hex;
}

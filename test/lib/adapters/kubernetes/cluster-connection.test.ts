/**
 * Registration targets → connections. EKS has no emulator available here, so DescribeCluster is a
 * stub and credentials are fixed; the token is checked offline (its signature is verified against an
 * independent SigV4 computation in eks-token.test.ts).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TerminalError, TransientError } from '../../../../lib/errors.js';
import type { ClusterRegistration } from '../../../../lib/model/cluster.js';
import { connectionForTarget } from '../../../../lib/adapters/kubernetes/cluster-connection.js';
import { type EksClusterDescriber, endpointFromDescription } from '../../../../lib/adapters/kubernetes/eks-cluster.js';
import { KubernetesClusterClientFactory } from '../../../../lib/adapters/kubernetes/kubernetes-cluster-client-factory.js';
import { admitKubeconfig } from '../../../../lib/usecases/clusters/kubeconfig-admission.js';

const MINUTE = 60_000;
const fixedCredentials = async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' });

function stubDescriber(result: () => Promise<{ endpoint: string; certificateAuthorityData: string }>) {
  const calls: { name: string; region: string }[] = [];
  const describer: EksClusterDescriber = {
    async describeCluster(cluster) {
      calls.push(cluster);
      return result();
    },
  };
  return { describer, calls };
}

function decodeToken(token: string): URL {
  expect(token.startsWith('k8s-aws-v1.')).toBe(true);
  return new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8'));
}

describe('eks target', () => {
  const target = { kind: 'eks', name: 'prod-eu', region: 'eu-west-1' } as const;

  it('points the kubeconfig at the DescribeCluster endpoint and CA', async () => {
    const stub = stubDescriber(async () => ({ endpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com', certificateAuthorityData: 'LS0tQ0E=' }));
    const connection = await connectionForTarget(target, { describer: stub.describer, credentialsFor: () => fixedCredentials });
    expect(stub.calls).toEqual([{ name: 'prod-eu', region: 'eu-west-1' }]);
    const cluster = connection.kubeConfig.getCurrentCluster();
    expect(cluster?.server).toBe('https://ABC.gr7.eu-west-1.eks.amazonaws.com');
    expect(cluster?.caData).toBe('LS0tQ0E=');
    expect(cluster?.skipTLSVerify).toBe(false);
  });

  it('mints a token for the cluster, reuses it for 14 minutes, then mints a fresh one', async () => {
    let now = Date.parse('2025-06-01T12:00:00Z');
    const stub = stubDescriber(async () => ({ endpoint: 'https://x', certificateAuthorityData: 'Y2E=' }));
    const connection = await connectionForTarget(target, { describer: stub.describer, credentialsFor: () => fixedCredentials, now: () => now });

    const first = await connection.bearerToken!();
    const url = decodeToken(first);
    expect(url.host).toBe('sts.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('X-Amz-Date')).toBe('20250601T120000Z');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');

    now += 14 * MINUTE - 1000;
    expect(await connection.bearerToken!()).toBe(first);
    now += 1000;
    const refreshed = await connection.bearerToken!();
    expect(refreshed).not.toBe(first);
    expect(decodeToken(refreshed).searchParams.get('X-Amz-Date')).toBe('20250601T121400Z');
  });

  it('passes the registration (with its role) to the credentials factory', async () => {
    const seen: unknown[] = [];
    const stub = stubDescriber(async () => ({ endpoint: 'https://x', certificateAuthorityData: 'Y2E=' }));
    const withRole = { ...target, roleArn: 'arn:aws:iam::123456789012:role/meshplane-deployer' };
    await connectionForTarget(withRole, {
      describer: stub.describer,
      credentialsFor: (t) => {
        seen.push(t);
        return fixedCredentials;
      },
    });
    expect(seen).toEqual([withRole]);
  });
});

describe('endpointFromDescription', () => {
  it.each([
    [{ endpoint: 'https://e', certificateAuthorityData: 'ca', status: 'ACTIVE' }, 'ok'],
    [{ endpoint: 'https://e', certificateAuthorityData: 'ca', status: 'UPDATING' }, 'ok'],
    [{ status: 'CREATING' }, TransientError],
    [{ endpoint: 'https://e', certificateAuthorityData: 'ca', status: 'DELETING' }, TerminalError],
    [{ status: 'FAILED' }, TerminalError],
  ] as const)('%j → %s', (described, outcome) => {
    if (outcome === 'ok') expect(endpointFromDescription('c', described)).toEqual({ endpoint: 'https://e', certificateAuthorityData: 'ca' });
    else expect(() => endpointFromDescription('c', described)).toThrow(outcome);
  });
});

describe('kubeconfig target', () => {
  let dir: string;
  let path: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshplane-kubeconfig-'));
    path = join(dir, 'config');
    await writeFile(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: one',
        '  cluster: { server: "https://one.example:6443" }',
        '- name: two',
        '  cluster: { server: "https://two.example:6443" }',
        'users:',
        '- name: u',
        '  user: { token: t }',
        'contexts:',
        '- name: ctx-one',
        '  context: { cluster: one, user: u }',
        '- name: ctx-two',
        '  context: { cluster: two, user: u }',
        'current-context: ctx-one',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const eks = { describer: stubDescriber(async () => ({ endpoint: '', certificateAuthorityData: '' })).describer };
  // The operator named these files at start: they are read by client-node as they are.
  const operatorFiles =
    (...paths: string[]) =>
    (t: Parameters<typeof admitKubeconfig>[0]) =>
      admitKubeconfig(t, { trustedPaths: paths });

  it.each([
    [undefined, 'https://one.example:6443'],
    ['ctx-two', 'https://two.example:6443'],
  ])('context %s → %s', async (context, server) => {
    const connection = await connectionForTarget({ kind: 'kubeconfig', path, context }, eks, operatorFiles(path));
    expect(connection.kubeConfig.getCurrentCluster()?.server).toBe(server);
    expect(connection.bearerToken).toBeUndefined();
  });

  it('rejects an unknown context, naming the ones that exist', async () => {
    await expect(connectionForTarget({ kind: 'kubeconfig', path, context: 'nope' }, eks, operatorFiles(path))).rejects.toThrow(
      /has no context "nope" \(it has: ctx-one, ctx-two\)/,
    );
  });

  it('rejects a missing file with a TerminalError', async () => {
    const missing = join(dir, 'missing');
    await expect(connectionForTarget({ kind: 'kubeconfig', path: missing }, eks, operatorFiles(missing))).rejects.toBeInstanceOf(TerminalError);
  });

  it('names the line of a broken operator kubeconfig, never its content', async () => {
    const broken = join(dir, 'broken');
    await writeFile(broken, 'users:\n- name: u\n  user: { token: hunter2-secret\n  x: [');
    const error = await connectionForTarget({ kind: 'kubeconfig', path: broken }, eks, operatorFiles(broken)).catch((e: Error) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect((error as Error).message).toMatch(/not valid YAML \(line \d+, column \d+\)/);
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('connects with inline content, which client-node never parses itself', async () => {
    const inline = [
      'clusters: [{ name: c, cluster: { server: "https://inline.example:6443" } }]',
      'users: [{ name: u, user: { token: t0ken } }]',
      'contexts: [{ name: x, context: { cluster: c, user: u } }]',
      'current-context: x',
    ].join('\n');
    const connection = await connectionForTarget({ kind: 'kubeconfig', kubeconfig: inline }, eks, (t) => admitKubeconfig(t, {}));
    expect(connection.kubeConfig.getCurrentCluster()?.server).toBe('https://inline.example:6443');
    expect(connection.kubeConfig.getCurrentUser()?.token).toBe('t0ken');
  });

  it('refuses a stored registration the policy does not allow (written before it) as a TerminalError', async () => {
    await expect(connectionForTarget({ kind: 'kubeconfig', path: '/proc/self/environ' }, eks, (t) => admitKubeconfig(t, {}))).rejects.toThrow(TerminalError);
    await expect(connectionForTarget({ kind: 'kubeconfig', path }, eks)).rejects.toThrow(/not enabled/);
  });
});

describe('simulated target', () => {
  const eks = { describer: stubDescriber(async () => ({ endpoint: '', certificateAuthorityData: '' })).describer };

  it('uses the URL with a dummy token', async () => {
    const connection = await connectionForTarget({ kind: 'simulated', url: 'http://127.0.0.1:1234' }, eks);
    expect(connection.kubeConfig.getCurrentCluster()?.server).toBe('http://127.0.0.1:1234');
    expect(connection.kubeConfig.getCurrentUser()?.token).toBeTruthy();
  });

  it('requires a URL', async () => {
    await expect(connectionForTarget({ kind: 'simulated' }, eks)).rejects.toThrow(/has no url/);
  });
});

describe('KubernetesClusterClientFactory', () => {
  const registration = (url: string): ClusterRegistration => ({ id: 'local', default: true, target: { kind: 'simulated', url } });

  it('reuses the client while the target is unchanged and rebuilds it when it changes', async () => {
    const factory = new KubernetesClusterClientFactory();
    const a = await factory.forCluster(registration('http://127.0.0.1:1'));
    const b = await factory.forCluster(registration('http://127.0.0.1:1'));
    const c = await factory.forCluster(registration('http://127.0.0.1:2'));
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  it('does not cache a failed connection', async () => {
    let failures = 1;
    const stub = stubDescriber(async () => {
      if (failures-- > 0) throw new TransientError('DescribeCluster throttled');
      return { endpoint: 'https://x', certificateAuthorityData: 'Y2E=' };
    });
    const factory = new KubernetesClusterClientFactory({ eks: { describer: stub.describer, credentialsFor: () => fixedCredentials } });
    const eksRegistration: ClusterRegistration = { id: 'prod', default: false, target: { kind: 'eks', name: 'prod', region: 'eu-west-1' } };
    await expect(factory.forCluster(eksRegistration)).rejects.toBeInstanceOf(TransientError);
    await expect(factory.forCluster(eksRegistration)).resolves.toBeDefined();
    expect(stub.calls).toHaveLength(2);
  });
});

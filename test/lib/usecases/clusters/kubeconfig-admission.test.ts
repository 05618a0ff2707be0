/**
 * Which kubeconfigs a registration may carry, against a real directory (symlinks included). Every
 * refusal names the field and never quotes the kubeconfig or a file: the fixtures hold a secret and
 * each answer is searched for it.
 */
import { mkdtempSync } from 'node:fs';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeKubeconfigFiles } from '../../../../lib/adapters/files/node-kubeconfig-files.js';
import { ValidationError } from '../../../../lib/errors.js';
import { admitKubeconfig, type KubeconfigPolicy, type KubeconfigTarget } from '../../../../lib/usecases/clusters/kubeconfig-admission.js';

const SECRET = 'sup3r-s3cret-t0ken-value';

const kubeconfig = (user: string, extra = '') =>
  [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: c',
    '  cluster: { server: "https://k8s.example:6443" }',
    'users:',
    '- name: u',
    `  user: ${user}`,
    'contexts:',
    '- name: ctx',
    '  context: { cluster: c, user: u }',
    'current-context: ctx',
    extra,
  ].join('\n');

// Made at load time: the test table below names paths in it.
const root = mkdtempSync(join(tmpdir(), 'meshplane-admission-'));
const allowed = join(root, 'allowed');
const outside = join(root, 'outside');

beforeAll(async () => {
  await mkdir(allowed);
  await mkdir(outside);
  await writeFile(join(allowed, 'good.yaml'), kubeconfig(`{ token: ${SECRET} }`));
  await writeFile(join(allowed, 'token'), `${SECRET}\n`);
  await writeFile(join(allowed, 'with-token-file.yaml'), kubeconfig('{ token-file: token }'));
  await writeFile(join(outside, 'secret.yaml'), kubeconfig(`{ token: ${SECRET} }`));
  await writeFile(join(outside, 'environ'), `AWS_SECRET_ACCESS_KEY=${SECRET}\0PATH=/bin`);
  await writeFile(join(allowed, 'reads-outside.yaml'), kubeconfig(`{ client-key: ${join(outside, 'environ')} }`));
  await symlink(join(outside, 'secret.yaml'), join(allowed, 'link-out.yaml'));
  await symlink(join(outside, 'environ'), join(allowed, 'environ-link'));
  await writeFile(join(allowed, 'token-via-link.yaml'), kubeconfig('{ token-file: environ-link }'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const withDir = (): KubeconfigPolicy => ({ allowedDir: allowed });

async function refusal(target: KubeconfigTarget, policy: KubeconfigPolicy): Promise<ValidationError> {
  const error = await admitKubeconfig(target, policy, nodeKubeconfigFiles).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  const v = error as ValidationError;
  expect(`${v.message} ${JSON.stringify(v.problems)}`).not.toContain(SECRET);
  expect(`${v.message} ${JSON.stringify(v.problems)}`).not.toContain('AWS_SECRET');
  return v;
}

describe('kubeconfig admission', () => {
  it('accepts an inline kubeconfig with a static token, under the strict default', async () => {
    const admitted = await admitKubeconfig({ kind: 'kubeconfig', kubeconfig: kubeconfig(`{ token: ${SECRET} }`) }, {});
    expect(admitted.kind).toBe('checked');
    if (admitted.kind === 'checked') expect(admitted.kubeconfig.users[0].token).toBe(SECRET);
  });

  it.each<{ name: string; target: KubeconfigTarget; policy: () => KubeconfigPolicy; field: string; message: RegExp }>([
    {
      name: 'a path without an allowed directory',
      target: { kind: 'kubeconfig', path: join(outside, 'secret.yaml') },
      policy: () => ({}),
      field: 'target.path',
      message: /--kubeconfig-dir/,
    },
    {
      name: '/proc/self/environ',
      target: { kind: 'kubeconfig', path: '/proc/self/environ' },
      policy: withDir,
      field: 'target.path',
      message: /inside the kubeconfig directory/,
    },
    {
      name: 'a .. escape',
      target: { kind: 'kubeconfig', path: '../outside/secret.yaml' },
      policy: withDir,
      field: 'target.path',
      message: /inside the kubeconfig directory/,
    },
    {
      name: 'a symlink out of the directory',
      target: { kind: 'kubeconfig', path: 'link-out.yaml' },
      policy: withDir,
      field: 'target.path',
      message: /links outside/,
    },
    { name: 'a missing file', target: { kind: 'kubeconfig', path: 'nope.yaml' }, policy: withDir, field: 'target.path', message: /no such file/ },
    {
      name: 'a file that is not YAML',
      target: { kind: 'kubeconfig', path: 'token' },
      policy: withDir,
      field: 'target.path',
      message: /must be a kubeconfig document/,
    },
    {
      name: 'a file reference leaving the directory',
      target: { kind: 'kubeconfig', path: 'reads-outside.yaml' },
      policy: withDir,
      field: 'target.path: users[0].user.client-key',
      message: /inside the kubeconfig directory/,
    },
    {
      name: 'a token-file symlinked out',
      target: { kind: 'kubeconfig', path: 'token-via-link.yaml' },
      policy: withDir,
      field: 'target.path: users[0].user.token-file',
      message: /links outside/,
    },
    {
      name: 'an exec plugin',
      target: { kind: 'kubeconfig', kubeconfig: kubeconfig('{ exec: { apiVersion: client.authentication.k8s.io/v1, command: sh, args: [-c, "curl evil"] } }') },
      policy: withDir,
      field: 'target.kubeconfig',
      message: /users\[0\]\.user\.exec: runs a command.*--allow-exec-plugins/,
    },
    {
      name: 'an auth-provider',
      target: { kind: 'kubeconfig', kubeconfig: kubeconfig('{ auth-provider: { name: gcp, config: { cmd-path: /bin/sh } } }') },
      policy: withDir,
      field: 'target.kubeconfig',
      message: /users\[0\]\.user\.auth-provider/,
    },
    {
      name: 'a token-file inline, no directory',
      target: { kind: 'kubeconfig', kubeconfig: kubeconfig('{ token-file: /proc/self/environ }') },
      policy: () => ({}),
      field: 'target.kubeconfig',
      message: /users\[0\]\.user\.token-file: reads a file/,
    },
    {
      name: 'a client certificate file',
      target: { kind: 'kubeconfig', kubeconfig: kubeconfig('{ client-certificate: /etc/passwd, client-key: /etc/shadow }') },
      policy: () => ({}),
      field: 'target.kubeconfig',
      message: /client-certificate: reads a file/,
    },
    {
      name: 'a CA file',
      target: {
        kind: 'kubeconfig',
        kubeconfig: kubeconfig('{ token: t }').replace(
          'server: "https://k8s.example:6443"',
          'server: "https://k8s.example:6443", certificate-authority: /etc/hostname',
        ),
      },
      policy: () => ({}),
      field: 'target.kubeconfig',
      message: /clusters\[0\]\.cluster\.certificate-authority: reads a file/,
    },
    {
      name: 'broken YAML holding a secret',
      target: { kind: 'kubeconfig', kubeconfig: `clusters: [\n  token: ${SECRET}\n` },
      policy: () => ({}),
      field: 'target.kubeconfig',
      message: /is not valid YAML \(\w+ at line \d+, column \d+\)/,
    },
    {
      name: 'a YAML alias bomb',
      target: {
        kind: 'kubeconfig',
        kubeconfig: `a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]`,
      },
      policy: () => ({}),
      field: 'target.kubeconfig',
      message: /not valid YAML/,
    },
    {
      name: 'a metadata-service server',
      target: { kind: 'kubeconfig', kubeconfig: kubeconfig('{ token: t }').replace('https://k8s.example:6443', 'http://169.254.169.254/latest') },
      policy: () => ({}),
      field: 'target.kubeconfig',
      message: /metadata address/,
    },
    {
      name: 'an unknown context',
      target: { kind: 'kubeconfig', kubeconfig: kubeconfig('{ token: t }'), context: 'prod' },
      policy: () => ({}),
      field: 'target.context',
      message: /no context "prod" \(it has: ctx\)/,
    },
  ])('refuses $name, naming the field', async ({ target, policy, field, message }) => {
    const error = await refusal(target, policy());
    expect(
      error.problems.some((p) => `${p.path}: ${p.message}`.startsWith(field) && message.test(`${p.path}: ${p.message}`)),
      JSON.stringify(error.problems),
    ).toBe(true);
  });

  it('reads a kubeconfig file inside the allowed directory, and a token file next to it', async () => {
    const good = await admitKubeconfig({ kind: 'kubeconfig', path: 'good.yaml' }, withDir(), nodeKubeconfigFiles);
    expect(good.kind === 'checked' && good.kubeconfig.users[0].token).toBe(SECRET);
    const viaFile = await admitKubeconfig({ kind: 'kubeconfig', path: join(allowed, 'with-token-file.yaml') }, withDir(), nodeKubeconfigFiles);
    expect(viaFile.kind === 'checked' && viaFile.kubeconfig.users[0].token).toBe(SECRET);
  });

  it('lets exec plugins through when the operator allows them', async () => {
    const admitted = await admitKubeconfig(
      { kind: 'kubeconfig', kubeconfig: kubeconfig('{ exec: { apiVersion: client.authentication.k8s.io/v1, command: aws } }') },
      { allowExecPlugins: true },
    );
    expect(admitted.kind === 'checked' && admitted.kubeconfig.users[0].exec).toMatchObject({ command: 'aws' });
  });

  it("uses the operator's own kubeconfig (named at start) as it is", async () => {
    const path = join(outside, 'secret.yaml');
    expect(await admitKubeconfig({ kind: 'kubeconfig', path }, { trustedPaths: [path] })).toEqual({ kind: 'operatorFile', path });
  });
});

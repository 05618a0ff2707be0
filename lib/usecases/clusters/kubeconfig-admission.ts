/**
 * Which kubeconfigs the control plane will use, decided once for the edge (registration answers 400)
 * and again whenever a stored registration is turned into a connection (a record written before the
 * policy, or by hand, gets no further). The operator decides at start: a directory kubeconfig files may
 * come from, whether exec plugins may run, and the one kubeconfig they named themselves (`--kubeconfig`).
 */
import { isAbsolute, relative, resolve, dirname, sep } from 'node:path';
import { ValidationError, type Problem } from '../../errors.js';
import type { ClusterTarget } from '../../model/cluster.js';
import { readKubeconfig, withResolvedFiles, type AdmittedKubeconfig } from '../../model/kubeconfig.js';
import type { KubeconfigFiles } from '../../ports/kubeconfig-files.js';

export type KubeconfigTarget = Extract<ClusterTarget, { kind: 'kubeconfig' }>;

/** The operator's choices at start. The default allows inline kubeconfigs with static credentials only. */
export interface KubeconfigPolicy {
  /** Kubeconfig files (and the files they reference) may come from inside this directory. */
  allowedDir?: string;
  /** `exec` credential plugins and `auth-provider` entries may run. */
  allowExecPlugins?: boolean;
  /** Kubeconfig files the operator named at start: used as they are (client-node reads them itself). */
  trustedPaths?: readonly string[];
}

export const STRICT_KUBECONFIG_POLICY: KubeconfigPolicy = Object.freeze({});

/**
 * Checks a kubeconfig target against the policy and returns what to connect with. Throws a
 * ValidationError naming the field (`target.path`, `target.kubeconfig: users[0].user.exec: …`); no
 * message quotes the kubeconfig or a file.
 */
export async function admitKubeconfig(target: KubeconfigTarget, policy: KubeconfigPolicy, files?: KubeconfigFiles): Promise<AdmittedKubeconfig> {
  if (target.path !== undefined && policy.trustedPaths?.includes(target.path)) return { kind: 'operatorFile', path: target.path, context: target.context };

  let text: string;
  let field: string;
  let baseDir: string | undefined;
  if (target.kubeconfig !== undefined) {
    text = target.kubeconfig;
    field = 'target.kubeconfig';
    baseDir = policy.allowedDir;
  } else if (target.path !== undefined) {
    const path = await insideAllowedDir(target.path, policy, files, 'target.path');
    text = await files!.readFile(path).catch(() => fail('target.path', 'cannot be read'));
    field = 'target.path';
    baseDir = dirname(path);
  } else {
    fail('target.kubeconfig', 'give exactly one of kubeconfig (the YAML) or path');
  }

  const read = readKubeconfig(text, {
    field,
    context: target.context,
    allow: { execPlugins: policy.allowExecPlugins === true, fileReferences: policy.allowExecPlugins === true || policy.allowedDir !== undefined },
  });
  if ('problems' in read) throw new ValidationError(read.problems, 'the kubeconfig cannot be used');

  // With exec plugins allowed, a command could read any file anyway: file references are not confined.
  const resolved = new Map<string, string>();
  const tokens = new Map<string, string>();
  for (const ref of read.fileReferences) {
    const wanted = baseDir && !isAbsolute(ref.path) ? resolve(baseDir, ref.path) : ref.path;
    const real = policy.allowExecPlugins ? wanted : await insideAllowedDir(wanted, policy, files, `${field}: ${ref.field}`);
    resolved.set(ref.path, real);
    if (ref.field.endsWith('token-file') || ref.field.endsWith('tokenFile'))
      tokens.set(real, (await files!.readFile(real).catch(() => fail(field, `${ref.field}: cannot be read`))).trim());
  }
  const kubeconfig = withResolvedFiles(read.kubeconfig, resolved);
  // client-node is handed parsed objects (it never parses the YAML): a token file is read here, once.
  kubeconfig.users = kubeconfig.users.map(({ tokenFile, ...u }) => (tokenFile && !u.token ? { ...u, token: tokens.get(tokenFile) } : u));
  return { kind: 'checked', kubeconfig };
}

/**
 * The real path of `path` when it lies inside the allowed directory (resolved against it when relative;
 * `..` and symlinks that leave it are refused). The lexical check comes first, so the answer for a path
 * outside never depends on whether it exists.
 */
async function insideAllowedDir(path: string, policy: KubeconfigPolicy, files: KubeconfigFiles | undefined, field: string): Promise<string> {
  if (!policy.allowedDir || !files) fail(field, 'kubeconfig files are not allowed; send the kubeconfig inline, or start meshplane with --kubeconfig-dir DIR');
  const dir = policy.allowedDir;
  const wanted = resolve(dir, path);
  if (!isInside(dir, wanted)) fail(field, 'must be inside the kubeconfig directory the operator allowed');
  const realDir = await files.realpath(dir).catch(() => fail(field, 'the allowed kubeconfig directory does not exist'));
  const real = await files.realpath(wanted).catch(() => fail(field, 'no such file in the allowed kubeconfig directory'));
  if (!isInside(realDir, real)) fail(field, 'must be inside the kubeconfig directory the operator allowed (it links outside)');
  return real;
}

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

function fail(path: string, message: string): never {
  const problems: Problem[] = [{ path, message }];
  throw new ValidationError(problems, 'the kubeconfig cannot be used');
}

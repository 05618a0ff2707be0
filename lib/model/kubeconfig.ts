/**
 * A kubeconfig read without trusting it: parsed here (never by client-node, which reads `token-file`
 * while it parses), checked for everything that would make the control plane run a command or read a
 * file, and turned into the few fields meshplane passes on. No message made here quotes the input: a
 * kubeconfig holds credentials, and a YAML error that shows "the line it failed on" would show them.
 */
import { parse, YAMLParseError } from 'yaml';
import * as z from 'zod';
import type { Problem } from '../errors.js';

import { MAX_KUBECONFIG_BYTES } from './kubeconfig-limits.js';

export { MAX_KUBECONFIG_BYTES };

/** The parts of a kubeconfig client-node reads, in its own internal shape. */
export interface KubeconfigCluster {
  name: string;
  server: string;
  caData?: string;
  caFile?: string;
  skipTLSVerify: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
}
export interface KubeconfigUser {
  name: string;
  token?: string;
  username?: string;
  password?: string;
  certData?: string;
  keyData?: string;
  certFile?: string;
  keyFile?: string;
  tokenFile?: string;
  impersonateUser?: string;
  /** Only kept when the operator allows exec plugins. */
  exec?: unknown;
  /** Only kept when the operator allows exec plugins (gcp/azure run commands, `tokenFile` reads a file). */
  authProvider?: unknown;
}
export interface KubeconfigContext {
  name: string;
  cluster: string;
  user?: string;
  namespace?: string;
}
export interface Kubeconfig {
  clusters: KubeconfigCluster[];
  users: KubeconfigUser[];
  contexts: KubeconfigContext[];
  currentContext: string;
}

/** What a connection is built from: a checked kubeconfig, or the operator's own file used as is. */
export type AdmittedKubeconfig = { kind: 'checked'; kubeconfig: Kubeconfig } | { kind: 'operatorFile'; path: string; context?: string };

/** A reference to a file in a kubeconfig: where it is (`users[0].user.client-key`) and what it names. */
export interface KubeconfigFileReference {
  field: string;
  path: string;
}

/** What may run or be read on behalf of a kubeconfig. */
export interface KubeconfigAllowances {
  /** `exec` credential plugins and `auth-provider` (both can run commands). */
  execPlugins: boolean;
  /** File references (certificate-authority, client-certificate, client-key, token-file); the caller checks where they point. */
  fileReferences: boolean;
}

const str = z.string().max(MAX_KUBECONFIG_BYTES);
const name = z.string().min(1, 'must not be empty').max(253);
const ClusterEntry = z.looseObject({
  name,
  cluster: z.looseObject({
    server: z.string().min(1, 'must not be empty').max(2048),
    'certificate-authority-data': str.optional(),
    'certificate-authority': str.optional(),
    'insecure-skip-tls-verify': z.boolean().optional(),
    'tls-server-name': z.string().max(253).optional(),
    'proxy-url': z.string().max(2048).optional(),
  }),
});
const UserEntry = z.looseObject({
  name,
  user: z
    .looseObject({
      token: str.optional(),
      tokenFile: str.optional(),
      'token-file': str.optional(),
      username: str.optional(),
      password: str.optional(),
      'client-certificate-data': str.optional(),
      'client-key-data': str.optional(),
      'client-certificate': str.optional(),
      'client-key': str.optional(),
      as: z.string().max(253).optional(),
      exec: z.unknown().optional(),
      'auth-provider': z.unknown().optional(),
    })
    .nullish(),
});
const ContextEntry = z.looseObject({
  name,
  context: z.looseObject({ cluster: name, user: name.optional(), namespace: z.string().max(253).optional() }),
});
const KubeconfigDocument = z.looseObject({
  clusters: z.array(ClusterEntry).max(100).default([]),
  users: z.array(UserEntry).max(100).nullish(),
  contexts: z.array(ContextEntry).max(100).default([]),
  'current-context': z.string().max(253).optional(),
});

/** Hosts a cluster's `server` must never be: the cloud instance metadata endpoints (credentials live there). */
const METADATA_HOSTS = /^(169\.254\.\d{1,3}\.\d{1,3}|\[fd00:ec2::254\]|metadata\.google\.internal|\[fe80:.*\])$/i;

type Parsed = { kubeconfig: Kubeconfig; fileReferences: KubeconfigFileReference[] };

/**
 * Parses and checks a kubeconfig. `field` prefixes every problem's path (`target.kubeconfig`).
 * `context` picks the current context (it must exist). Problems never quote the text.
 */
export function readKubeconfig(text: string, options: { field: string; context?: string; allow: KubeconfigAllowances }): Parsed | { problems: Problem[] } {
  const problem = (path: string, message: string) => ({ problems: [{ path: options.field, message: path ? `${path}: ${message}` : message }] });
  if (Buffer.byteLength(text, 'utf8') > MAX_KUBECONFIG_BYTES) return problem('', `is larger than ${MAX_KUBECONFIG_BYTES} bytes`);

  let raw: unknown;
  try {
    raw = parse(text, { maxAliasCount: 50, uniqueKeys: true });
  } catch (err) {
    return problem('', yamlErrorWithoutInput(err));
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return problem('', 'must be a kubeconfig document (a YAML mapping with clusters, users and contexts)');
  const parsed = KubeconfigDocument.safeParse(raw);
  if (!parsed.success) {
    // zod's messages name the expected type, never the value found.
    return { problems: parsed.error.issues.map((i) => ({ path: options.field, message: `${i.path.join('.') || '(document)'}: ${i.message}` })) };
  }
  const doc = parsed.data;
  const problems: Problem[] = [];
  const fileReferences: KubeconfigFileReference[] = [];
  const fileRef = (field: string, path: string | undefined) => {
    if (path === undefined || path === '') return;
    if (options.allow.fileReferences) fileReferences.push({ field, path });
    else
      problems.push({
        path: options.field,
        message: `${field}: reads a file; use the inline *-data field, or allow a kubeconfig directory at start (--kubeconfig-dir)`,
      });
  };

  const clusters: KubeconfigCluster[] = doc.clusters.map((c, i) => {
    const where = `clusters[${i}].cluster`;
    const server = c.cluster.server;
    let host: string | undefined;
    try {
      const url = new URL(server);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') problems.push({ path: options.field, message: `${where}.server: must be an http(s) URL` });
      host = url.hostname;
    } catch {
      problems.push({ path: options.field, message: `${where}.server: must be a URL` });
    }
    if (host && METADATA_HOSTS.test(host)) problems.push({ path: options.field, message: `${where}.server: must not be a cloud metadata address` });
    fileRef(`${where}.certificate-authority`, c.cluster['certificate-authority']);
    return {
      name: c.name,
      server: server.replace(/\/$/, ''),
      ...(c.cluster['certificate-authority-data'] ? { caData: c.cluster['certificate-authority-data'] } : {}),
      ...(c.cluster['certificate-authority'] ? { caFile: c.cluster['certificate-authority'] } : {}),
      skipTLSVerify: c.cluster['insecure-skip-tls-verify'] === true,
      ...(c.cluster['tls-server-name'] ? { tlsServerName: c.cluster['tls-server-name'] } : {}),
      ...(c.cluster['proxy-url'] ? { proxyUrl: c.cluster['proxy-url'] } : {}),
    };
  });

  const users: KubeconfigUser[] = (doc.users ?? []).map((u, i) => {
    const where = `users[${i}].user`;
    const user = u.user ?? {};
    if (user.exec !== undefined && !options.allow.execPlugins)
      problems.push({
        path: options.field,
        message: `${where}.exec: runs a command; allowed only when the operator starts meshplane with --allow-exec-plugins`,
      });
    if (user['auth-provider'] !== undefined && !options.allow.execPlugins)
      problems.push({
        path: options.field,
        message: `${where}.auth-provider: may run a command or read a file; allowed only with --allow-exec-plugins (use a token or client certificate)`,
      });
    fileRef(`${where}.token-file`, user['token-file']);
    fileRef(`${where}.tokenFile`, user.tokenFile);
    fileRef(`${where}.client-certificate`, user['client-certificate']);
    fileRef(`${where}.client-key`, user['client-key']);
    return {
      name: u.name,
      ...(user.token ? { token: user.token } : {}),
      ...(user.username ? { username: user.username } : {}),
      ...(user.password ? { password: user.password } : {}),
      ...(user['client-certificate-data'] ? { certData: user['client-certificate-data'] } : {}),
      ...(user['client-key-data'] ? { keyData: user['client-key-data'] } : {}),
      ...(user['client-certificate'] ? { certFile: user['client-certificate'] } : {}),
      ...(user['client-key'] ? { keyFile: user['client-key'] } : {}),
      ...((user['token-file'] ?? user.tokenFile) ? { tokenFile: user['token-file'] ?? user.tokenFile } : {}),
      ...(user.as ? { impersonateUser: user.as } : {}),
      ...(user.exec !== undefined && options.allow.execPlugins ? { exec: user.exec } : {}),
      ...(user['auth-provider'] !== undefined && options.allow.execPlugins ? { authProvider: user['auth-provider'] } : {}),
    };
  });

  const contexts: KubeconfigContext[] = doc.contexts.map((c) => ({
    name: c.name,
    cluster: c.context.cluster,
    ...(c.context.user ? { user: c.context.user } : {}),
    ...(c.context.namespace ? { namespace: c.context.namespace } : {}),
  }));

  const currentContext = options.context ?? doc['current-context'];
  const current = contexts.find((c) => c.name === currentContext);
  if (currentContext === undefined || currentContext === '') {
    problems.push({ path: options.field, message: 'has no current-context; name one in the registration (context)' });
  } else if (!current) {
    const known = contexts.map((c) => c.name).slice(0, 20);
    problems.push({
      path: options.context !== undefined ? 'target.context' : options.field,
      message: `the kubeconfig has no context "${currentContext.slice(0, 253)}" (it has: ${known.join(', ') || 'none'})`,
    });
  } else {
    if (!clusters.some((c) => c.name === current.cluster))
      problems.push({ path: options.field, message: `context "${current.name}" names a cluster the kubeconfig does not define` });
    if (current.user && !users.some((u) => u.name === current.user))
      problems.push({ path: options.field, message: `context "${current.name}" names a user the kubeconfig does not define` });
  }
  if (problems.length) return { problems };
  return { kubeconfig: { clusters, users, contexts, currentContext: currentContext! }, fileReferences };
}

/** A YAML error as "not valid YAML (BAD_INDENT at line 2, column 1)": the position, never the text. */
function yamlErrorWithoutInput(err: unknown): string {
  if (err instanceof YAMLParseError) {
    const pos = err.linePos?.[0];
    return `is not valid YAML (${err.code}${pos ? ` at line ${pos.line}, column ${pos.col}` : ''})`;
  }
  // Alias-count and other limits throw plain errors; their messages carry no input, but keep it uniform.
  return 'is not valid YAML (or uses more aliases than allowed)';
}

/** Replaces every file reference with the path it resolves to (the caller checked it), leaving the rest as is. */
export function withResolvedFiles(kubeconfig: Kubeconfig, resolved: Map<string, string>): Kubeconfig {
  const r = (p: string | undefined) => (p === undefined ? undefined : (resolved.get(p) ?? p));
  return {
    ...kubeconfig,
    clusters: kubeconfig.clusters.map((c) => (c.caFile ? { ...c, caFile: r(c.caFile) } : c)),
    users: kubeconfig.users.map((u) => ({
      ...u,
      ...(u.certFile ? { certFile: r(u.certFile) } : {}),
      ...(u.keyFile ? { keyFile: r(u.keyFile) } : {}),
      ...(u.tokenFile ? { tokenFile: r(u.tokenFile) } : {}),
    })),
  };
}

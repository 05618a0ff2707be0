/**
 * Turns a cluster registration target into a KubeConfig (plus, for EKS, a bearer-token source):
 * `eks` via DescribeCluster and STS-presigned tokens, `kubeconfig` from what kubeconfig admission
 * returns (never from the raw registration: client-node would read `token-file` and run `exec`
 * while loading), `simulated` for the simulator's URL with a dummy token.
 */
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
import { TerminalError, ValidationError } from '../../errors.js';
import type { ClusterTarget } from '../../model/cluster.js';
import type { AdmittedKubeconfig } from '../../model/kubeconfig.js';
import type { KubeconfigAdmission } from '../../ports/kubeconfig-files.js';
import { CachedToken } from './cached-token.js';
import { type EksClusterDescriber, type EksTarget, credentialsForEksTarget } from './eks-cluster.js';
import { type AwsCredentialsProvider, EKS_TOKEN_VALIDITY_MS, createEksToken } from './eks-token.js';

/** Tokens are reused until a minute before STS stops accepting them, as aws-iam-authenticator does. */
export const EKS_TOKEN_REUSE_MS = EKS_TOKEN_VALIDITY_MS - 60_000;

/** Token sent to the simulated API server, which accepts any bearer token. */
export const SIMULATED_CLUSTER_TOKEN = 'meshplane-simulated';

/** What {@link createKubeApis} needs for one target. */
export interface ClusterConnection {
  kubeConfig: KubeConfig;
  bearerToken?: () => Promise<string>;
  /** Drops a cached bearer token the API server refused (401), e.g. after clock skew. */
  onUnauthorized?: () => void;
}

/** Dependencies of the `eks` target. */
export interface EksConnectionDeps {
  describer: EksClusterDescriber;
  /** Defaults to {@link credentialsForEksTarget}. */
  credentialsFor?: (target: EksTarget) => AwsCredentialsProvider;
  now?: () => number;
}

/** Refuses every kubeconfig target: the composition root passes the operator's admission instead. */
export const NO_KUBECONFIG_ADMISSION: KubeconfigAdmission = async () => {
  throw new ValidationError([{ path: 'target', message: 'kubeconfig targets are not enabled here' }]);
};

/** Builds the connection for a registration target. */
export async function connectionForTarget(
  target: ClusterTarget,
  eks: EksConnectionDeps,
  admitKubeconfig: KubeconfigAdmission = NO_KUBECONFIG_ADMISSION,
): Promise<ClusterConnection> {
  switch (target.kind) {
    case 'eks':
      return eksConnection(target, eks);
    case 'kubeconfig':
      return { kubeConfig: kubeConfigFromAdmitted(await admitted(target, admitKubeconfig)) };
    case 'simulated':
      return { kubeConfig: simulatedKubeConfig(target.url) };
  }
}

async function eksConnection(target: EksTarget, deps: EksConnectionDeps): Promise<ClusterConnection> {
  const credentials = (deps.credentialsFor ?? credentialsForEksTarget)(target);
  const { endpoint, certificateAuthorityData } = await deps.describer.describeCluster({ name: target.name, region: target.region }, credentials);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromClusterAndUser({ name: target.name, server: endpoint, caData: certificateAuthorityData, skipTLSVerify: false }, { name: 'meshplane' });
  const now = deps.now ?? Date.now;
  const token = new CachedToken(() => createEksToken({ clusterName: target.name, region: target.region, credentials, signingDate: new Date(now()) }), {
    reuseForMs: EKS_TOKEN_REUSE_MS,
    now,
  });
  return { kubeConfig, bearerToken: () => token.get(), onUnauthorized: () => token.invalidate() };
}

/** A stored registration the policy refuses now (written before it, or by hand) is a terminal error, not a 400. */
async function admitted(target: Extract<ClusterTarget, { kind: 'kubeconfig' }>, admit: KubeconfigAdmission): Promise<AdmittedKubeconfig> {
  try {
    return await admit(target);
  } catch (error) {
    if (error instanceof ValidationError) throw new TerminalError(`the cluster's kubeconfig cannot be used: ${error.message}`);
    throw error;
  }
}

function kubeConfigFromAdmitted(admitted: AdmittedKubeconfig): KubeConfig {
  if (admitted.kind === 'operatorFile') return kubeConfigFromFile(admitted.path, admitted.context);
  const { kubeconfig } = admitted;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: kubeconfig.clusters as Cluster[],
    users: kubeconfig.users as User[],
    contexts: kubeconfig.contexts as Context[],
    currentContext: kubeconfig.currentContext,
  });
  return kubeConfig;
}

/**
 * The operator's own kubeconfig (`--kubeconfig` at start), read by client-node as kubectl would. Its
 * errors name the file and the kind of failure, never the parser's message: that quotes the content.
 */
function kubeConfigFromFile(path: string, context: string | undefined): KubeConfig {
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromFile(path);
  } catch (error) {
    throw new TerminalError(`cannot load kubeconfig ${path}: ${describeLoadError(error)}`);
  }
  if (context !== undefined) {
    if (!kubeConfig.getContextObject(context)) {
      const known = kubeConfig.getContexts().map((c) => c.name);
      throw new TerminalError(`kubeconfig ${path} has no context "${context}" (it has: ${known.join(', ') || 'none'})`);
    }
    kubeConfig.setCurrentContext(context);
  }
  if (!kubeConfig.getCurrentCluster()) {
    throw new TerminalError(`kubeconfig ${path} has no current context with a cluster; name one in the registration`);
  }
  return kubeConfig;
}

function describeLoadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return `the file cannot be read (${code})`;
  const message = error instanceof Error ? error.message : '';
  if (/^(clusters|users|contexts)\[\d+\]\.[a-z.]+ is missing$/.test(message)) return message;
  const mark = (error as { mark?: { line?: number; column?: number } } | undefined)?.mark;
  if (mark?.line !== undefined) return `not valid YAML (line ${mark.line + 1}, column ${(mark.column ?? 0) + 1})`;
  return `not a usable kubeconfig (${error instanceof Error ? error.name : 'unknown error'})`;
}

function simulatedKubeConfig(url: string | undefined): KubeConfig {
  if (!url) throw new TerminalError('the simulated cluster registration has no url (the local runtime sets it)');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromClusterAndUser({ name: 'simulated', server: url, skipTLSVerify: true }, { name: 'meshplane', token: SIMULATED_CLUSTER_TOKEN });
  return kubeConfig;
}

/**
 * Turns a cluster registration target into a KubeConfig (plus, for EKS, a bearer-token source):
 * `eks` via DescribeCluster and STS-presigned tokens, `kubeconfig` from a file and context,
 * `simulated` for the simulator's URL with a dummy token.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { TerminalError } from '../../errors.js';
import type { ClusterTarget } from '../../model/cluster.js';
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

/** Builds the connection for a registration target. */
export async function connectionForTarget(
  target: ClusterTarget,
  eks: EksConnectionDeps,
): Promise<ClusterConnection> {
  switch (target.kind) {
    case 'eks':
      return eksConnection(target, eks);
    case 'kubeconfig':
      return { kubeConfig: kubeConfigFromFile(target.path, target.context) };
    case 'simulated':
      return { kubeConfig: simulatedKubeConfig(target.url) };
  }
}

async function eksConnection(target: EksTarget, deps: EksConnectionDeps): Promise<ClusterConnection> {
  const credentials = (deps.credentialsFor ?? credentialsForEksTarget)(target);
  const { endpoint, certificateAuthorityData } = await deps.describer.describeCluster(
    { name: target.name, region: target.region },
    credentials,
  );
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromClusterAndUser(
    { name: target.name, server: endpoint, caData: certificateAuthorityData, skipTLSVerify: false },
    { name: 'meshplane' },
  );
  const now = deps.now ?? Date.now;
  const token = new CachedToken(
    () =>
      createEksToken({ clusterName: target.name, region: target.region, credentials, signingDate: new Date(now()) }),
    { reuseForMs: EKS_TOKEN_REUSE_MS, now },
  );
  return { kubeConfig, bearerToken: () => token.get(), onUnauthorized: () => token.invalidate() };
}

function kubeConfigFromFile(path: string, context: string | undefined): KubeConfig {
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromFile(path);
  } catch (error) {
    throw new TerminalError(`cannot load kubeconfig ${path}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
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

function simulatedKubeConfig(url: string | undefined): KubeConfig {
  if (!url) throw new TerminalError('the simulated cluster registration has no url (the local runtime sets it)');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromClusterAndUser(
    { name: 'simulated', server: url, skipTLSVerify: true },
    { name: 'meshplane', token: SIMULATED_CLUSTER_TOKEN },
  );
  return kubeConfig;
}

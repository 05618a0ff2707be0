/**
 * ClusterClientFactory for registered clusters: one {@link KubernetesClusterClient} per registration,
 * reused while the registration's target stays the same.
 */
import type { ClusterRegistration } from '../../model/cluster.js';
import type { ClusterClient, ClusterClientFactory } from '../../ports/cluster-client.js';
import type { KubeconfigAdmission } from '../../ports/kubeconfig-files.js';
import { type RetryRuntime, SYSTEM_RETRY_RUNTIME } from './call-with-retries.js';
import { type EksConnectionDeps, connectionForTarget } from './cluster-connection.js';
import { AwsEksClusterDescriber } from './eks-cluster.js';
import { createKubeApis } from './kube-apis.js';
import { KubernetesClusterClient } from './kubernetes-cluster-client.js';
import { type RetryPolicy, resolveRetryPolicy } from './retry-policy.js';

/** Options of {@link KubernetesClusterClientFactory}; everything has a production default. */
export interface KubernetesClusterClientFactoryOptions {
  /** Overrides of DEFAULT_RETRY_POLICY. */
  retryPolicy?: Partial<RetryPolicy>;
  /** DescribeCluster, credentials and clock for `eks` targets; defaults to the AWS SDK. */
  eks?: Partial<EksConnectionDeps>;
  /** Sleep/random/clock of the retry loop (tests). */
  retryRuntime?: RetryRuntime;
  /** Decides which kubeconfig targets may be used (the operator's policy); none by default. */
  admitKubeconfig?: KubeconfigAdmission;
}

/** Implements the {@link ClusterClientFactory} port over client-node. */
export class KubernetesClusterClientFactory implements ClusterClientFactory {
  private readonly policy: RetryPolicy;
  private readonly eks: EksConnectionDeps;
  private readonly runtime: RetryRuntime;
  private readonly admitKubeconfig: KubeconfigAdmission | undefined;
  private readonly clients = new Map<string, { targetKey: string; client: Promise<ClusterClient> }>();

  constructor(options: KubernetesClusterClientFactoryOptions = {}) {
    this.policy = resolveRetryPolicy(options.retryPolicy);
    this.eks = { ...options.eks, describer: options.eks?.describer ?? new AwsEksClusterDescriber() };
    this.runtime = options.retryRuntime ?? SYSTEM_RETRY_RUNTIME;
    this.admitKubeconfig = options.admitKubeconfig;
  }

  forCluster(cluster: ClusterRegistration): Promise<ClusterClient> {
    const targetKey = JSON.stringify(cluster.target);
    const cached = this.clients.get(cluster.id);
    if (cached && cached.targetKey === targetKey) return cached.client;

    const client = this.create(cluster);
    this.clients.set(cluster.id, { targetKey, client });
    // A failed connection (e.g. DescribeCluster throttled) is not cached: the next call tries again.
    client.catch(() => {
      if (this.clients.get(cluster.id)?.client === client) this.clients.delete(cluster.id);
    });
    return client;
  }

  private async create(cluster: ClusterRegistration): Promise<ClusterClient> {
    const connection = await connectionForTarget(cluster.target, this.eks, this.admitKubeconfig);
    const apis = createKubeApis({
      kubeConfig: connection.kubeConfig,
      bearerToken: connection.bearerToken,
      onUnauthorized: connection.onUnauthorized,
      requestTimeoutMs: this.policy.requestTimeoutMs,
    });
    return new KubernetesClusterClient(apis, this.policy, this.runtime);
  }
}

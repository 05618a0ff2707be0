/** The Kubernetes/EKS implementation of the ClusterClient port. */
export { KubernetesClusterClientFactory, type KubernetesClusterClientFactoryOptions } from './kubernetes-cluster-client-factory.js';
export { KubernetesClusterClient, FIELD_MANAGER } from './kubernetes-cluster-client.js';
export { createKubeApis, type KubeApis, type KubeApisOptions } from './kube-apis.js';
export { connectionForTarget, type ClusterConnection, type EksConnectionDeps, EKS_TOKEN_REUSE_MS } from './cluster-connection.js';
export { AwsEksClusterDescriber, credentialsForEksTarget, type EksClusterDescriber, type EksClusterEndpoint, type EksTarget } from './eks-cluster.js';
export { createEksToken, presignGetCallerIdentity, EKS_TOKEN_PREFIX, type AwsCredentials, type AwsCredentialsProvider } from './eks-token.js';
export { CachedToken } from './cached-token.js';
export { KubeApiRejectedError, KubeApiUnavailableError, classifyKubeFailure, type KubeFailure } from './api-failure.js';
export { callWithRetries, type RetryRuntime, SYSTEM_RETRY_RUNTIME } from './call-with-retries.js';
export { DEFAULT_RETRY_POLICY, resolveRetryPolicy, type RetryPolicy } from './retry-policy.js';
export { cpuToMillicores, memoryToMiB, parseQuantity, InvalidQuantityError } from '../../model/quantity.js';
export { MANAGED_KINDS_IN_DELETION_ORDER, ownershipSelector } from './owned-objects.js';

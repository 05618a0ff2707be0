import type { ClusterRegistration } from '../model/cluster.js';
import type { ClusterClient, ClusterClientFactory } from '../ports/cluster-client.js';
import type { KubeconfigAdmission } from '../ports/kubeconfig-files.js';

/**
 * Loads the Kubernetes adapter (client-node and its HTTP stack, most of a bundle's weight) the first
 * time a cluster is needed, not when a function starts: a cold start that only touches DynamoDB and
 * SQS does not pay for evaluating it.
 */
export class LazyKubernetesClusterClientFactory implements ClusterClientFactory {
  private factory: Promise<ClusterClientFactory> | undefined;

  constructor(private readonly options: { admitKubeconfig?: KubeconfigAdmission } = {}) {}

  forCluster(cluster: ClusterRegistration): Promise<ClusterClient> {
    this.factory ??= import('../adapters/kubernetes/kubernetes-cluster-client-factory.js').then((m) => new m.KubernetesClusterClientFactory(this.options));
    return this.factory.then((f) => f.forCluster(cluster));
  }
}

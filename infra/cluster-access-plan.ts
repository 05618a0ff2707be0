/**
 * Which EKS permissions and access entries the functions' roles get, decided from the clusters named
 * in context and what each function does in a cluster (`kubernetes` in the handler catalog). Pure: the
 * `eks-access` construct turns the plan into IAM statements and `AWS::EKS::AccessEntry` resources.
 */
import type { ClusterContext } from './config.js';
import type { KubernetesNeeds } from './handler-catalog.js';

/** A cluster the stack creates access entries in (one per function that calls clusters). */
export interface PlannedAccessEntry {
  clusterName: string;
  access: ClusterContext['access'];
  kubernetesGroups: string[];
  namespaces: string[];
}

/** A cluster whose access the stack cannot create, and why (shown as a synth warning). */
export interface ManualAccessStep {
  clusterName: string;
  reason: string;
}

export interface ClusterAccessPlan {
  /**
   * Clusters the roles may `eks:DescribeCluster` with their own credentials, as `{name, region}`
   * (`region` undefined = the stack's region), or `'any'` when context names no cluster: clusters are
   * then registered at runtime and cannot be known at synth.
   */
  describe: { name: string; region?: string }[] | 'any';
  /** Roles the functions assume for clusters registered with a `roleArn`. */
  assumeRoleArns: string[];
  accessEntries: PlannedAccessEntry[];
  manualSteps: ManualAccessStep[];
}

/** EKS access policies by name (`arn:<partition>:eks::aws:cluster-access-policy/<name>`). */
export const ACCESS_POLICY = {
  clusterAdmin: 'AmazonEKSClusterAdminPolicy',
  edit: 'AmazonEKSEditPolicy',
  view: 'AmazonEKSViewPolicy',
} as const;

export interface PlannedAccessPolicy {
  policy: (typeof ACCESS_POLICY)[keyof typeof ACCESS_POLICY];
  scope: { type: 'cluster' } | { type: 'namespace'; namespaces: string[] };
}

/** What one function's access entry in one cluster carries. */
export interface FunctionClusterAccess {
  accessPolicies: PlannedAccessPolicy[];
  kubernetesGroups: string[];
}

/**
 * The least an entry grants a function with `needs`:
 * - editing services needs write access to Deployments, Services and ServiceAccounts in the managed
 *   namespaces (AmazonEKSEditPolicy, namespace scope) and to Istio's VirtualServices, DestinationRules,
 *   Sidecars and AuthorizationPolicies there, which no access policy covers (they list built-in API
 *   groups only): the function joins the entry's Kubernetes groups, bound to those kinds by RBAC;
 * - reading nodes (cluster-scoped) and the pods of every namespace (others' pods take node capacity)
 *   needs a cluster-scope policy, and only that read: AmazonEKSViewPolicy, cluster scope;
 * - a function that only reads in the managed namespaces gets AmazonEKSViewPolicy there.
 */
export function functionClusterAccess(entry: PlannedAccessEntry, needs: KubernetesNeeds): FunctionClusterAccess {
  if (entry.access === 'clusterAdmin') return { accessPolicies: [{ policy: ACCESS_POLICY.clusterAdmin, scope: { type: 'cluster' } }], kubernetesGroups: [] };
  if (entry.access === 'kubernetesGroups') return { accessPolicies: [], kubernetesGroups: entry.kubernetesGroups };
  const namespaced = { type: 'namespace' as const, namespaces: entry.namespaces };
  const accessPolicies: PlannedAccessPolicy[] = [];
  if (needs.edit) accessPolicies.push({ policy: ACCESS_POLICY.edit, scope: namespaced });
  if (needs.viewCluster) accessPolicies.push({ policy: ACCESS_POLICY.view, scope: { type: 'cluster' } });
  else if (!needs.edit) accessPolicies.push({ policy: ACCESS_POLICY.view, scope: namespaced });
  return { accessPolicies, kubernetesGroups: needs.edit ? entry.kubernetesGroups : [] };
}

/**
 * Plans cluster access. An access entry is created only for a cluster the functions reach with their
 * own roles (no `roleArn`) in the stack's region: CloudFormation creates resources in one region, and
 * an assumed role is authorized by its own account. `stackRegion` undefined (an environment-agnostic
 * stack) counts as matching a cluster that names no region only.
 */
export function planClusterAccess(clusters: readonly ClusterContext[], stackRegion: string | undefined): ClusterAccessPlan {
  if (clusters.length === 0) return { describe: 'any', assumeRoleArns: [], accessEntries: [], manualSteps: [] };
  const direct = clusters.filter((c) => !c.roleArn);
  const inStackRegion = (c: ClusterContext) => c.region === undefined || (stackRegion !== undefined && c.region === stackRegion);
  return {
    describe: direct.map((c) => ({ name: c.name, region: c.region })),
    assumeRoleArns: [...new Set(clusters.flatMap((c) => (c.roleArn ? [c.roleArn] : [])))],
    accessEntries: direct.filter(inStackRegion).map((c) => ({
      clusterName: c.name,
      access: c.access,
      kubernetesGroups: c.access === 'clusterAdmin' ? [] : c.kubernetesGroups,
      namespaces: c.namespaces,
    })),
    manualSteps: direct
      .filter((c) => !inStackRegion(c))
      .map((c) => ({
        clusterName: c.name,
        reason: `cluster ${c.name} is in ${c.region}, not in the stack's region (${stackRegion ?? 'unknown: set the region context'}); create its access entries there (infra/README.md)`,
      })),
  };
}

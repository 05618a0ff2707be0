/**
 * Which EKS permissions and access entries the functions' role gets, decided from the clusters named
 * in context. Pure: the `eks-access` construct turns the plan into IAM statements and
 * `AWS::EKS::AccessEntry` resources.
 */
import type { ClusterContext } from './config.js';

/** An access entry the stack creates in a cluster of its own region. */
export interface PlannedAccessEntry {
  clusterName: string;
  access: ClusterContext['access'];
  kubernetesGroups: string[];
}

/** A cluster whose access the stack cannot create, and why (shown as a synth warning). */
export interface ManualAccessStep {
  clusterName: string;
  reason: string;
}

export interface ClusterAccessPlan {
  /**
   * Clusters the role may `eks:DescribeCluster` with its own credentials, as `{name, region}`
   * (`region` undefined = the stack's region), or `'any'` when context names no cluster: clusters are
   * then registered at runtime and cannot be known at synth.
   */
  describe: { name: string; region?: string }[] | 'any';
  /** Roles the functions assume for clusters registered with a `roleArn`. */
  assumeRoleArns: string[];
  accessEntries: PlannedAccessEntry[];
  manualSteps: ManualAccessStep[];
}

/**
 * Plans cluster access. An access entry is created only for a cluster the functions reach with their
 * own role (no `roleArn`) in the stack's region: CloudFormation creates resources in one region, and
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
      kubernetesGroups: c.access === 'kubernetesGroups' ? c.kubernetesGroups : [],
    })),
    manualSteps: direct
      .filter((c) => !inStackRegion(c))
      .map((c) => ({
        clusterName: c.name,
        reason: `cluster ${c.name} is in ${c.region}, not in the stack's region (${stackRegion ?? 'unknown: set the region context'}); create its access entry there (infra/README.md)`,
      })),
  };
}

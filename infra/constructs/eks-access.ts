import { Annotations, ArnFormat, Aws, Stack } from 'aws-cdk-lib';
import { CfnAccessEntry } from 'aws-cdk-lib/aws-eks';
import { Effect, PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { ClusterAccessPlan } from '../cluster-access-plan.js';

/** The EKS access policy of `clusterAdmin` access (cluster scope). */
export const CLUSTER_ADMIN_ACCESS_POLICY = 'AmazonEKSClusterAdminPolicy';

export interface EksAccessProps {
  plan: ClusterAccessPlan;
  /** The functions' shared execution role. */
  role: IRole;
}

/**
 * Lets the functions reach the EKS clusters named in context: `eks:DescribeCluster` on those clusters,
 * `sts:AssumeRole` on the roles registrations name, and an `AWS::EKS::AccessEntry` mapping the role
 * into each cluster of the stack's region (the cluster's authentication mode must be `API` or
 * `API_AND_CONFIG_MAP`).
 */
export class EksAccess extends Construct {
  readonly accessEntries: CfnAccessEntry[];

  constructor(scope: Construct, id: string, props: EksAccessProps) {
    super(scope, id);
    const { plan, role } = props;
    const stack = Stack.of(this);
    const describeResources =
      plan.describe === 'any'
        ? ['*']
        : plan.describe.map((c) =>
            stack.formatArn({ service: 'eks', resource: 'cluster', resourceName: c.name, region: c.region ?? stack.region, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
          );
    if (plan.describe === 'any' || plan.describe.length > 0) {
      role.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['eks:DescribeCluster'], resources: describeResources }));
    }
    if (plan.assumeRoleArns.length > 0) {
      role.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['sts:AssumeRole'], resources: plan.assumeRoleArns }));
    }
    this.accessEntries = plan.accessEntries.map(
      (entry) =>
        new CfnAccessEntry(this, `AccessEntry-${entry.clusterName}`, {
          clusterName: entry.clusterName,
          principalArn: role.roleArn,
          type: 'STANDARD',
          ...(entry.access === 'kubernetesGroups'
            ? { kubernetesGroups: entry.kubernetesGroups }
            : {
                accessPolicies: [
                  {
                    policyArn: `arn:${Aws.PARTITION}:eks::aws:cluster-access-policy/${CLUSTER_ADMIN_ACCESS_POLICY}`,
                    accessScope: { type: 'cluster' },
                  },
                ],
              }),
        }),
    );
    for (const step of plan.manualSteps) Annotations.of(this).addWarningV2(`meshplane:eksAccess:${step.clusterName}`, step.reason);
  }
}

import { Annotations, ArnFormat, Aws, Stack } from 'aws-cdk-lib';
import { CfnAccessEntry } from 'aws-cdk-lib/aws-eks';
import { Effect, PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { functionClusterAccess, type ClusterAccessPlan } from '../cluster-access-plan.js';
import type { KubernetesNeeds } from '../handler-catalog.js';

/** A function that calls clusters: its role and what it does there. */
export interface ClusterCaller {
  id: string;
  role: IRole;
  needs: KubernetesNeeds;
}

export interface EksAccessProps {
  plan: ClusterAccessPlan;
  /** Only the functions that call clusters; the others get nothing from this construct. */
  callers: readonly ClusterCaller[];
}

/**
 * Lets the functions that call clusters reach the EKS clusters named in context: `eks:DescribeCluster`
 * on those clusters, `sts:AssumeRole` on the roles registrations name, and per cluster of the stack's
 * region one `AWS::EKS::AccessEntry` per such function, with the least its needs call for (see
 * `functionClusterAccess`; the cluster's authentication mode must be `API` or `API_AND_CONFIG_MAP`).
 */
export class EksAccess extends Construct {
  readonly accessEntries: CfnAccessEntry[];

  constructor(scope: Construct, id: string, props: EksAccessProps) {
    super(scope, id);
    const { plan, callers } = props;
    const stack = Stack.of(this);
    const describeResources =
      plan.describe === 'any'
        ? ['*']
        : plan.describe.map((c) =>
            stack.formatArn({
              service: 'eks',
              resource: 'cluster',
              resourceName: c.name,
              region: c.region ?? stack.region,
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            }),
          );
    for (const { role } of callers) {
      if (plan.describe === 'any' || plan.describe.length > 0) {
        role.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['eks:DescribeCluster'], resources: describeResources }));
      }
      if (plan.assumeRoleArns.length > 0) {
        role.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['sts:AssumeRole'], resources: plan.assumeRoleArns }));
      }
    }
    this.accessEntries = plan.accessEntries.flatMap((entry) =>
      callers.map((caller) => {
        const access = functionClusterAccess(entry, caller.needs);
        return new CfnAccessEntry(this, `AccessEntry-${entry.clusterName}-${caller.id}`, {
          clusterName: entry.clusterName,
          principalArn: caller.role.roleArn,
          type: 'STANDARD',
          ...(access.kubernetesGroups.length > 0 ? { kubernetesGroups: access.kubernetesGroups } : {}),
          ...(access.accessPolicies.length > 0
            ? {
                accessPolicies: access.accessPolicies.map((p) => ({
                  policyArn: `arn:${Aws.PARTITION}:eks::aws:cluster-access-policy/${p.policy}`,
                  accessScope: p.scope.type === 'cluster' ? { type: 'cluster' } : { type: 'namespace', namespaces: p.scope.namespaces },
                })),
              }
            : {}),
        });
      }),
    );
    for (const step of plan.manualSteps) Annotations.of(this).addWarningV2(`meshplane:eksAccess:${step.clusterName}`, step.reason);
  }
}

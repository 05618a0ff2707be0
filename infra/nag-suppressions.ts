/**
 * The cdk-nag (AwsSolutions) findings this stack acknowledges, each with the reason a reviewer needs.
 * cdk-nag 3 acknowledges one finding at a time (`RuleId[finding]`), so a new wildcard anywhere still
 * fails synthesis until someone decides about it here.
 */
import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IConstruct } from 'constructs';
import type { HandlerNeeds } from './handler-catalog.js';

export interface NagSuppressionTargets {
  /** Each function's role with the needs it was built from (the findings follow the needs). */
  roles: { role: IRole; needs: HandlerNeeds }[];
  table: Table;
  functions: IFunction[];
  scheduledFunctions: IFunction[];
  stateMachine: StateMachine;
  /** The policies letting rollout starters start and describe executions. */
  rolloutStartPolicies: IConstruct[];
  /** The rollout machine's name (its executions' ARNs end in `<name>:*`). */
  stateMachineName: string;
  /** The release train machine, the policies letting release starters start and describe its executions, and its name. */
  releaseStateMachine?: StateMachine;
  releaseStartPolicies?: IConstruct[];
  releaseStateMachineName?: string;
  /** No cluster named in context: `eks:DescribeCluster` is on `*`. */
  clustersUnknown: boolean;
  /** Functions placed in a VPC (managed ENI policy on the role). */
  inVpc: boolean;
}

const XRAY = 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (Resource "*" is the only form).';

function ack(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** A stack's region or account as cdk-nag prints it: the literal, or `<AWS::Region>` when env-agnostic. */
function envPart(value: string, pseudo: string): string {
  return value.startsWith('${Token[') ? `<AWS::${pseudo}>` : value;
}

/** `<LogicalId.Arn>` as cdk-nag prints a resource's ARN attribute in findings. */
function arnRef(construct: IConstruct): string {
  return `<${Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement)}.Arn>`;
}

export function applyNagSuppressions(t: NagSuppressionTargets): void {
  for (const { role, needs } of t.roles) {
    ack(
      role,
      `AwsSolutions-IAM5[Resource::${arnRef(t.table)}/index/*]`,
      'Queries of the listing GSI need its index ARN; the wildcard covers only the indexes of the control-plane table.',
    );
    const getMetricData = needs.analysesMetrics
      ? ' cloudwatch:GetMetricData (only with the cloudwatch metrics source) has no resource-level permissions either.'
      : '';
    ack(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      (t.clustersUnknown && needs.kubernetes
        ? `${XRAY} eks:DescribeCluster is on "*" because no cluster is named in the "clusters" context: clusters are registered at runtime through the API. Name them in context to scope it to their ARNs.`
        : XRAY) + getMetricData,
    );
    const stack = Stack.of(role);
    const region = envPart(stack.region, 'Region');
    const account = envPart(stack.account, 'AccountId');
    if (needs.readsAlarmTags) {
      ack(
        role,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:${region}:${account}:alarm:*]`,
        'cloudwatch:ListTagsForResource (read-only) on the alarms of this account and region: any alarm may name a meshplane service by tag, and its name is not known in advance.',
      );
    }
  }
  for (const policy of t.rolloutStartPolicies) {
    const stack = Stack.of(policy);
    ack(
      policy,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${envPart(stack.region, 'Region')}:${envPart(stack.account, 'AccountId')}:execution:${t.stateMachineName}:*]`,
      'states:DescribeExecution (read-only) on the executions of the rollout state machine only: execution names are deployment ids, not known in advance.',
    );
  }
  for (const policy of t.releaseStartPolicies ?? []) {
    const stack = Stack.of(policy);
    ack(
      policy,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${envPart(stack.region, 'Region')}:${envPart(stack.account, 'AccountId')}:execution:${t.releaseStateMachineName}:*]`,
      'states:DescribeExecution (read-only) on the executions of the release state machine only: execution names are release ids, not known in advance.',
    );
  }
  for (const machine of [t.stateMachine, ...(t.releaseStateMachine ? [t.releaseStateMachine] : [])]) {
    ack(
      machine,
      'AwsSolutions-IAM5[Resource::*]',
      `${XRAY} CloudWatch Logs delivery actions (logs:CreateLogDelivery, PutResourcePolicy…) used for state machine logging support no resource-level permissions either.`,
    );
  }
  for (const fn of t.functions) {
    ack(
      fn,
      'AwsSolutions-L1',
      'Pinned to nodejs22.x, the Node.js line the project declares (package.json engines) and tests on; the runtime moves with the project, not with the newest Lambda runtime.',
    );
  }
  for (const fn of t.scheduledFunctions) {
    ack(
      Stack.of(fn),
      `AwsSolutions-IAM5[Resource::${arnRef(fn)}:*]`,
      'EventBridge Scheduler role created by the LambdaInvoke target: it may invoke this one function and its versions, nothing else.',
    );
  }
  if (t.inVpc) {
    for (const { role } of t.roles) {
      ack(
        role,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        'Functions in a VPC need to manage their network interfaces; AWS maintains this policy as Lambda requirements change.',
      );
    }
  }
}

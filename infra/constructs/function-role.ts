import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { tablePermissions } from '../function-permissions.js';
import type { HandlerDefinition, QueueId } from '../handler-catalog.js';

export interface FunctionRoleProps {
  handler: HandlerDefinition;
  stage: string;
  table: ITable;
  queues: ReadonlyMap<QueueId, { queue: IQueue }>;
  /** The AMP workspace, granted `aps:QueryMetrics` to functions that query metrics. */
  ampWorkspaceArn?: string;
  /** Analyses read CloudWatch (`metricsSource: cloudwatch`): `cloudwatch:GetMetricData` to functions that analyse. */
  cloudWatchMetrics?: boolean;
}

/**
 * One function's own execution role, built from its declared needs only: the table actions of its
 * access level, sends to the queues it names, alarm tags and metrics if it reads them. What its
 * triggers add (receiving from its queue, logs, X-Ray), Step Functions and EKS access are granted by
 * the constructs that own those resources.
 */
export class FunctionRole extends Construct {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: FunctionRoleProps) {
    super(scope, id);
    const { handler, table } = props;
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `meshplane ${props.stage} ${handler.id} function`,
    });
    const permissions = tablePermissions(handler.needs.table, handler.needs.deletesOnly);
    const tableResources = [table.tableArn, `${table.tableArn}/index/*`];
    if (permissions.actions.length > 0) {
      this.role.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: permissions.actions, resources: tableResources }));
    }
    if (permissions.deleteOnlyPrefixes.length > 0) {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['dynamodb:DeleteItem'],
          resources: [table.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': permissions.deleteOnlyPrefixes.map((p) => `${p}*`) } },
        }),
      );
    }
    for (const id of handler.needs.sendsTo ?? []) {
      const queue = props.queues.get(id);
      if (!queue) throw new Error(`handler ${handler.id} sends to unknown queue "${id}"`);
      queue.queue.grantSendMessages(this.role);
    }
    if (handler.needs.readsAlarmTags) {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['cloudwatch:ListTagsForResource'],
          resources: [Stack.of(this).formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
        }),
      );
    }
    if (handler.needs.queriesMetrics && props.ampWorkspaceArn) {
      this.role.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['aps:QueryMetrics'], resources: [props.ampWorkspaceArn] }));
    }
    if (handler.needs.analysesMetrics && props.cloudWatchMetrics) {
      // GetMetricData supports no resource-level permission (nor condition keys): "*" is the only resource.
      this.role.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
    }
  }
}

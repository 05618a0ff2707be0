import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  consumedQueues,
  functionTimeoutSeconds,
  HANDLERS,
  ROLLOUT_TASK_FUNCTION_TIMEOUT_SECONDS,
  VISIBILITY_TIMEOUT_PER_FUNCTION_TIMEOUT,
} from '../../infra/handler-catalog.js';
import { ALARM_MESSAGE_GROUP_ID } from '../../infra/constructs/alarm-routing.js';
import { API_ROUTE_PATH } from '../../infra/constructs/http-api.js';
import { QUEUES, TABLE } from '../../lib/platform/resources.js';
import { rolloutStateMachineDefinition, substituteDefinition } from '../../lib/rollout/state-machine.js';
import { releaseDefinitionFor } from '../../lib/release/state-machine.js';
import { FULL_CONTEXT, templateOf } from './support/synth-meshplane.js';

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

const resourcesOf = (template: Template, type: string): [string, Resource][] => Object.entries(template.findResources(type) as Record<string, Resource>);

/** The single resource of `type` matching `predicate`. */
function one(template: Template, type: string, predicate: (r: Resource) => boolean): [string, Resource] {
  const found = resourcesOf(template, type).filter(([, r]) => predicate(r));
  expect(found, `${type} matching`).toHaveLength(1);
  return found[0];
}

/** Logical ids a CloudFormation value refers to (Ref / Fn::GetAtt, anywhere inside). */
function referencedIds(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedIds);
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (typeof obj.Ref === 'string') return obj.Ref.startsWith('AWS::') ? [] : [obj.Ref];
    if (Array.isArray(obj['Fn::GetAtt'])) return [String(obj['Fn::GetAtt'][0])];
    return Object.values(obj).flatMap(referencedIds);
  }
  return [];
}

const isRolloutMachine = (r: Resource) => String(r.Properties.StateMachineName).endsWith('-rollout');
const isReleaseMachine = (r: Resource) => String(r.Properties.StateMachineName).endsWith('-release');

/** meshplane's own functions (named `meshplane-<stage>-<id>`), without CDK's unnamed helper (the dashboard's BucketDeployment upload). */
const handlerFunctions = (template: Template) =>
  resourcesOf(template, 'AWS::Lambda::Function').filter(([, fn]) => String(fn.Properties.FunctionName ?? '').startsWith('meshplane-'));

/** The function whose FunctionName ends with the handler id. */
const functionOf = (template: Template, handlerId: string) =>
  one(template, 'AWS::Lambda::Function', (r) => String(r.Properties.FunctionName).endsWith(`-${handlerId}`));

/** The logical id of a function's execution role. */
const roleIdOf = (template: Template, handlerId: string): string => referencedIds(functionOf(template, handlerId)[1].Properties.Role)[0];

interface Grant {
  actions: string[];
  resource: unknown;
  condition?: unknown;
}

/** Every Allow statement of every policy attached to a role (inline policies, and policies naming it). */
function grantsOf(template: Template, roleId: string): Grant[] {
  const policies = resourcesOf(template, 'AWS::IAM::Policy').filter(([, p]) =>
    (p.Properties.Roles ?? []).some((r: unknown) => referencedIds(r).includes(roleId)),
  );
  return policies.flatMap(([, p]) =>
    p.Properties.PolicyDocument.Statement.filter((st: any) => st.Effect === 'Allow').flatMap((st: any) =>
      [st.Resource].flat().map((resource: unknown) => ({ actions: [st.Action].flat(), resource, condition: st.Condition })),
    ),
  );
}

const actionsOf = (grants: Grant[]) => new Set(grants.flatMap((g) => g.actions));

describe('MeshplaneStack with the default context', () => {
  let template: Template;
  let stage: string;
  let retentionDays: number;

  beforeAll(() => {
    const built = templateOf();
    template = built.template;
    stage = built.config.stage;
    retentionDays = built.config.logRetentionDays;
  });

  it('turns content-based deduplication on only for the queue EventBridge delivers to (it cannot set an id)', () => {
    expect(QUEUES.filter((q) => q.contentBasedDeduplication).map((q) => q.id)).toEqual(['healthAlarms']);
  });

  it('creates every queue of QUEUES as FIFO, with the deduplication of its definition, SSE, and a redrive to its FIFO DLQ', () => {
    for (const q of QUEUES) {
      const [dlqId, dlq] = one(template, 'AWS::SQS::Queue', (r) => r.Properties.QueueName === `${stage}-${q.dlqName}`);
      const [, queue] = one(template, 'AWS::SQS::Queue', (r) => r.Properties.QueueName === `${stage}-${q.name}`);
      for (const r of [queue, dlq]) {
        expect(r.Properties.FifoQueue, q.name).toBe(true);
        expect(r.Properties.ContentBasedDeduplication, q.name).toBe(q.contentBasedDeduplication);
        expect(r.Properties.SqsManagedSseEnabled, q.name).toBe(true);
      }
      expect(queue.Properties.VisibilityTimeout).toBe(q.visibilityTimeoutSeconds);
      expect(queue.Properties.RedrivePolicy.maxReceiveCount).toBe(q.maxReceiveCount);
      expect(referencedIds(queue.Properties.RedrivePolicy.deadLetterTargetArn)).toEqual([dlqId]);
    }
  });

  it('denies non-TLS access to every queue', () => {
    const queueIds = resourcesOf(template, 'AWS::SQS::Queue').map(([id]) => id);
    const guarded = resourcesOf(template, 'AWS::SQS::QueuePolicy')
      .filter(([, p]) => p.Properties.PolicyDocument.Statement.some((s: any) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false'))
      .flatMap(([, p]) => referencedIds(p.Properties.Queues));
    expect(new Set(guarded)).toEqual(new Set(queueIds));
  });

  it('alarms as soon as one message is visible in each dead-letter queue', () => {
    for (const q of QUEUES) {
      const [dlqId] = one(template, 'AWS::SQS::Queue', (r) => r.Properties.QueueName === `${stage}-${q.dlqName}`);
      const [, alarm] = one(template, 'AWS::CloudWatch::Alarm', (r) => referencedIds(r.Properties.Dimensions).includes(dlqId));
      expect(alarm.Properties).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        EvaluationPeriods: 1,
      });
    }
  });

  it('builds the table from TABLE: keys, listing GSI, TTL, on-demand, PITR, encryption, retained', () => {
    const [, table] = one(template, 'AWS::DynamoDB::Table', () => true);
    expect(table.Properties.KeySchema).toEqual([
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
    ]);
    expect(table.Properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: TABLE.listingIndex.name,
        KeySchema: [
          { AttributeName: TABLE.listingIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE.listingIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: TABLE.timeToLiveAttribute, Enabled: true });
    expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true });
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
  });

  it('never grants DynamoDB, SQS or Step Functions actions with a wildcard action or on resources outside the stack', () => {
    const ownIds = new Set(
      ['AWS::DynamoDB::Table', 'AWS::SQS::Queue', 'AWS::StepFunctions::StateMachine'].flatMap((type) => resourcesOf(template, type).map(([id]) => id)),
    );
    const documents = [
      ...resourcesOf(template, 'AWS::IAM::Policy').map(([id, p]) => [id, p.Properties.PolicyDocument] as const),
      ...resourcesOf(template, 'AWS::IAM::ManagedPolicy').map(([id, p]) => [id, p.Properties.PolicyDocument] as const),
      ...resourcesOf(template, 'AWS::IAM::Role').flatMap(([id, r]) => (r.Properties.Policies ?? []).map((p: any) => [id, p.PolicyDocument] as const)),
    ];
    expect(documents.length).toBeGreaterThan(0);
    const machineNames = resourcesOf(template, 'AWS::StepFunctions::StateMachine').map(([, m]) => m.Properties.StateMachineName);
    let checked = 0;
    for (const [policyId, document] of documents) {
      for (const statement of document.Statement) {
        const actions: string[] = [statement.Action].flat();
        const scoped = actions.filter((a) => /^(dynamodb|sqs|states):/.test(a));
        if (scoped.length === 0) continue;
        checked += 1;
        for (const action of scoped) expect(action, policyId).not.toContain('*');
        // The stream consumer's ListStreams supports no resource-level permission ("*" is its only form).
        if (scoped.length === 1 && scoped[0] === 'dynamodb:ListStreams') continue;
        for (const resource of [statement.Resource].flat()) {
          expect(resource, `${policyId} ${scoped.join(',')}`).not.toBe('*');
          // The rollout and release machines' ARNs are built from their fixed names (see the environment tests).
          const text = JSON.stringify(resource);
          if (machineNames.some((name) => text.includes(`:stateMachine:${name}"`) || text.includes(`:execution:${name}:*"`))) continue;
          const refs = referencedIds(resource);
          expect(refs.length, `${policyId}: ${JSON.stringify(resource)}`).toBeGreaterThan(0);
          for (const ref of refs) expect(ownIds.has(ref), `${policyId} grants on ${ref}`).toBe(true);
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('maps each queue to its handler with partial batch failures and the definition batch size and concurrency', () => {
    for (const handler of HANDLERS.filter((h) => h.trigger.kind === 'queue')) {
      const q = QUEUES.find((d) => handler.trigger.kind === 'queue' && d.id === handler.trigger.queue)!;
      const [queueId] = one(template, 'AWS::SQS::Queue', (r) => r.Properties.QueueName === `${stage}-${q.name}`);
      const [fnId] = functionOf(template, handler.id);
      const [, mapping] = one(template, 'AWS::Lambda::EventSourceMapping', (r) => referencedIds(r.Properties.EventSourceArn).includes(queueId));
      expect(referencedIds(mapping.Properties.FunctionName)).toEqual([fnId]);
      expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      expect(mapping.Properties.BatchSize).toBe(q.batchSize);
      expect(mapping.Properties.ScalingConfig).toEqual({ MaximumConcurrency: q.maxConcurrency });
    }
  });

  it('runs every function on nodejs22.x / arm64 with X-Ray and its own log group with the configured retention', () => {
    const logGroups = Object.fromEntries(resourcesOf(template, 'AWS::Logs::LogGroup'));
    const functions = handlerFunctions(template);
    expect(functions.length).toBeGreaterThanOrEqual(5);
    for (const [id, fn] of functions) {
      expect(fn.Properties.Runtime, id).toBe('nodejs22.x');
      expect(fn.Properties.Architectures, id).toEqual(['arm64']);
      expect(fn.Properties.TracingConfig, id).toEqual({ Mode: 'Active' });
      expect(fn.Properties.Handler, id).toBe('index.handler');
      const [logGroupId] = referencedIds(fn.Properties.LoggingConfig?.LogGroup);
      expect(logGroups[logGroupId]?.Properties.RetentionInDays, id).toBe(retentionDays);
    }
  });

  it('gives queue consumers a timeout the visibility timeout covers six times, and the rollout task less than its task state timeout', () => {
    for (const q of QUEUES) {
      const consumer = HANDLERS.find((h) => consumedQueues(h).includes(q.id))!;
      const [, fn] = functionOf(template, consumer.id);
      expect(fn.Properties.Timeout * VISIBILITY_TIMEOUT_PER_FUNCTION_TIMEOUT).toBeLessThanOrEqual(q.visibilityTimeoutSeconds);
    }
    const taskTimeouts = Object.values(rolloutStateMachineDefinition().States)
      .filter((s) => s.Type === 'Task')
      .map((s) => Number(s.TimeoutSeconds));
    const [, task] = functionOf(template, 'rollout-task');
    expect(task.Properties.Timeout).toBe(ROLLOUT_TASK_FUNCTION_TIMEOUT_SECONDS);
    expect(task.Properties.Timeout).toBeLessThan(Math.min(...taskTimeouts));
  });

  it('lets both rollout starters start executions: deploy requests, and the task function (queued deploys start when one ends)', () => {
    for (const id of ['on-deploy-requested', 'rollout-task']) {
      const [, fn] = functionOf(template, id);
      expect(fn.Properties.Environment.Variables.STATE_MACHINE_ARN, id).toBeDefined();
    }
  });

  it('gives every function the table and queue URLs, and only rollout starters the state machine ARN', () => {
    const [tableId] = one(template, 'AWS::DynamoDB::Table', () => true);
    const [, machine] = one(template, 'AWS::StepFunctions::StateMachine', isRolloutMachine);
    for (const [id, fn] of handlerFunctions(template)) {
      const env = fn.Properties.Environment.Variables;
      expect(referencedIds(env.TABLE_NAME), id).toEqual([tableId]);
      for (const q of QUEUES) {
        const [queueId] = one(template, 'AWS::SQS::Queue', (r) => r.Properties.QueueName === `${stage}-${q.name}`);
        expect(referencedIds(env[q.urlEnv]), `${id} ${q.urlEnv}`).toEqual([queueId]);
      }
      const handler = HANDLERS.find((h) => String(fn.Properties.FunctionName).endsWith(`-${h.id}`))!;
      // Built from the machine's fixed name (the task function starts queued rollouts, and a reference
      // would be a cycle): it must name exactly the machine in the template.
      if (handler.needs.startsRollouts) expect(JSON.stringify(env.STATE_MACHINE_ARN), id).toContain(`:stateMachine:${machine.Properties.StateMachineName}"`);
      else expect(env.STATE_MACHINE_ARN, id).toBeUndefined();
      expect(fn.Properties.Timeout, id).toBe(functionTimeoutSeconds(handler));
    }
  });

  it('routes ANY /v1/{proxy+} to the api function with IAM authorization', () => {
    const [, route] = one(template, 'AWS::ApiGatewayV2::Route', (r) => r.Properties.RouteKey === `ANY ${API_ROUTE_PATH}`);
    expect(route.Properties.RouteKey).toBe(`ANY ${API_ROUTE_PATH}`);
    expect(route.Properties.AuthorizationType).toBe('AWS_IAM');
    const [integrationId] = referencedIds(route.Properties.Target);
    const integration = template.toJSON().Resources[integrationId];
    const [apiFnId] = functionOf(template, 'api');
    expect(referencedIds(integration.Properties.IntegrationUri)).toEqual([apiFnId]);
    expect(integration.Properties.PayloadFormatVersion).toBe('2.0');
  });

  it('deploys exactly the rollout definition the local runtime executes, invoking the rollout-task function', () => {
    const [, machine] = one(template, 'AWS::StepFunctions::StateMachine', isRolloutMachine);
    const [taskFnId] = functionOf(template, 'rollout-task');
    const substitutions = machine.Properties.DefinitionSubstitutions;
    expect(Object.keys(substitutions)).toEqual(['RolloutTaskFunctionArn']);
    expect(substitutions.RolloutTaskFunctionArn).toEqual({ 'Fn::GetAtt': [taskFnId, 'Arn'] });
    const arn = 'arn:aws:lambda:eu-west-1:123456789012:function:rollout-task';
    const deployed = substituteDefinition(JSON.parse(machine.Properties.DefinitionString), { RolloutTaskFunctionArn: arn });
    expect(deployed).toEqual(substituteDefinition(rolloutStateMachineDefinition(), { RolloutTaskFunctionArn: arn }));
  });

  it('lets the state machine role invoke the rollout-task function and no other function', () => {
    const [machineRoleId] = referencedIds(one(template, 'AWS::StepFunctions::StateMachine', isRolloutMachine)[1].Properties.RoleArn);
    const [taskFnId] = functionOf(template, 'rollout-task');
    const invoked = resourcesOf(template, 'AWS::IAM::Policy')
      .filter(([, p]) => referencedIds(p.Properties.Roles).includes(machineRoleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('lambda:')))
      .flatMap((s: any) => [s.Resource].flat());
    expect(invoked).toEqual([{ 'Fn::GetAtt': [taskFnId, 'Arn'] }]);
    const [, machine] = one(template, 'AWS::StepFunctions::StateMachine', isRolloutMachine);
    expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(machine.Properties.LoggingConfiguration.Level).toBe('ALL');
  });

  it('deploys exactly the release definition the local runtime executes, invoking only the release-task function', () => {
    const [, machine] = one(template, 'AWS::StepFunctions::StateMachine', isReleaseMachine);
    const [taskFnId] = functionOf(template, 'release-task');
    expect(machine.Properties.DefinitionSubstitutions).toEqual({ ReleaseTaskFunctionArn: { 'Fn::GetAtt': [taskFnId, 'Arn'] } });
    const arn = 'arn:aws:lambda:eu-west-1:123456789012:function:release-task';
    const deployed = JSON.parse(machine.Properties.DefinitionString.replaceAll('${ReleaseTaskFunctionArn}', arn));
    expect(deployed).toEqual(releaseDefinitionFor(arn));
    const [machineRoleId] = referencedIds(machine.Properties.RoleArn);
    const invoked = resourcesOf(template, 'AWS::IAM::Policy')
      .filter(([, p]) => referencedIds(p.Properties.Roles).includes(machineRoleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('lambda:')))
      .flatMap((s: any) => [s.Resource].flat());
    expect(invoked).toEqual([{ 'Fn::GetAtt': [taskFnId, 'Arn'] }]);
    expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
  });

  it('lets only release starters start and describe release executions, and gives them its ARN', () => {
    const [, machine] = one(template, 'AWS::StepFunctions::StateMachine', isReleaseMachine);
    const name = machine.Properties.StateMachineName;
    const starters = HANDLERS.filter((h) => h.needs.startsReleases).map((h) => h.id);
    expect(starters.sort()).toEqual(['health-probe', 'on-deploy-requested']);
    for (const h of HANDLERS) {
      const env = functionOf(template, h.id)[1].Properties.Environment.Variables;
      const grants = grantsOf(template, roleIdOf(template, h.id)).filter((g) => g.actions.includes('states:StartExecution'));
      const onRelease = grants.filter((g) => JSON.stringify(g.resource).includes(`:stateMachine:${name}"`));
      if (h.needs.startsReleases) {
        expect(JSON.stringify(env.RELEASE_STATE_MACHINE_ARN), h.id).toContain(`:stateMachine:${name}"`);
        expect(onRelease, h.id).toHaveLength(1);
      } else {
        expect(env.RELEASE_STATE_MACHINE_ARN, h.id).toBeUndefined();
        expect(onRelease, h.id).toEqual([]);
      }
    }
  });

  it('lets the release task record releases and request deployments, nothing more: no delete, no executions, no cluster', () => {
    const grants = grantsOf(template, roleIdOf(template, 'release-task'));
    const actions = actionsOf(grants);
    for (const denied of [
      'dynamodb:DeleteItem',
      'dynamodb:Scan',
      'states:StartExecution',
      'states:DescribeExecution',
      'eks:DescribeCluster',
      'sts:AssumeRole',
      'sqs:ReceiveMessage',
    ])
      expect(actions.has(denied), denied).toBe(false);
    for (const needed of ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'sqs:SendMessage']) expect(actions.has(needed), needed).toBe(true);
  });

  it('routes CloudWatch alarm state changes (not its own) to the health-alarms FIFO queue with a message group', () => {
    const [healthQueueId] = one(template, 'AWS::SQS::Queue', (r) => r.Properties.QueueName === `${stage}-${QUEUES.find((q) => q.id === 'healthAlarms')!.name}`);
    const [, rule] = one(template, 'AWS::Events::Rule', () => true);
    expect(rule.Properties.EventPattern.source).toEqual(['aws.cloudwatch']);
    expect(rule.Properties.EventPattern['detail-type']).toEqual(['CloudWatch Alarm State Change']);
    expect(rule.Properties.EventPattern.detail.alarmName).toEqual([{ 'anything-but': { prefix: `meshplane-${stage}-` } }]);
    for (const alarm of resourcesOf(template, 'AWS::CloudWatch::Alarm'))
      expect(String(alarm[1].Properties.AlarmName).startsWith(`meshplane-${stage}-`)).toBe(true);
    expect(rule.Properties.Targets).toHaveLength(1);
    expect(referencedIds(rule.Properties.Targets[0].Arn)).toEqual([healthQueueId]);
    expect(rule.Properties.Targets[0].SqsParameters).toEqual({ MessageGroupId: ALARM_MESSAGE_GROUP_ID });
  });

  // Written out rather than derived from HANDLERS: a handler dropped from the catalog, or a changed
  // rate, must fail here.
  it.each([
    { handler: 'health-probe', expression: 'rate(1 minute)' },
    { handler: 'optimizer', expression: 'rate(1 hour)' },
    { handler: 'operations-sweeper', expression: 'rate(1 minute)' },
  ])('runs the $handler function on $expression with EventBridge Scheduler', ({ handler, expression }) => {
    const [fnId] = functionOf(template, handler);
    const [, schedule] = one(template, 'AWS::Scheduler::Schedule', (r) => referencedIds(r.Properties.Target.Arn).includes(fnId));
    expect(schedule.Properties).toMatchObject({ ScheduleExpression: expression, State: 'ENABLED', FlexibleTimeWindow: { Mode: 'OFF' } });
    // The schedule's role may invoke that function.
    const [roleId] = referencedIds(schedule.Properties.Target.RoleArn);
    const invokes = resourcesOf(template, 'AWS::IAM::Policy')
      .filter(([, p]) => referencedIds(p.Properties.Roles).includes(roleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
      .filter((st: any) => st.Effect === 'Allow' && [st.Action].flat().includes('lambda:InvokeFunction'));
    expect(invokes.flatMap((st: any) => referencedIds(st.Resource))).toContain(fnId);
  });

  it('has no schedules but those three', () => {
    expect(
      resourcesOf(template, 'AWS::Scheduler::Schedule')
        .map(([, r]) => r.Properties.ScheduleExpression)
        .sort(),
    ).toEqual(['rate(1 hour)', 'rate(1 minute)', 'rate(1 minute)']);
  });

  it('gives the operations sweeper the URL of every dead-letter queue and lets it receive and delete their messages', () => {
    const [, sweeper] = functionOf(template, 'operations-sweeper');
    const env = sweeper.Properties.Environment.Variables;
    const dlqIds = QUEUES.map((q) => one(template, 'AWS::SQS::Queue', (r) => r.Properties.QueueName === `${stage}-${q.dlqName}`)[0]);
    expect(QUEUES.map((q) => referencedIds(env[q.dlqUrlEnv])).flat()).toEqual(dlqIds);
    const statements = resourcesOf(template, 'AWS::IAM::Policy').flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    for (const dlqId of dlqIds) {
      const actions = statements.filter((st: any) => referencedIds(st.Resource).includes(dlqId)).flatMap((st: any) => [st.Action].flat());
      expect(actions).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']));
    }
    const [, api] = functionOf(template, 'api');
    expect(Object.keys(api.Properties.Environment.Variables)).not.toContain(QUEUES[0].dlqUrlEnv);
  });

  it('gives every function its own role', () => {
    const roleIds = HANDLERS.map((h) => roleIdOf(template, h.id));
    expect(new Set(roleIds).size).toBe(HANDLERS.length);
    for (const id of roleIds) expect(template.toJSON().Resources[id].Type).toBe('AWS::IAM::Role');
  });

  it('lets the API accept work and read state, nothing more: no receive, no scan or delete (but of cluster registrations), no executions, no cluster', () => {
    const grants = grantsOf(template, roleIdOf(template, 'api'));
    const actions = actionsOf(grants);
    for (const denied of [
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:ChangeMessageVisibility',
      'dynamodb:Scan',
      'dynamodb:BatchWriteItem',
      'states:StartExecution',
      'states:DescribeExecution',
      'eks:DescribeCluster',
      'sts:AssumeRole',
      'cloudwatch:ListTagsForResource',
    ]) {
      expect(actions.has(denied), denied).toBe(false);
    }
    for (const needed of ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'sqs:SendMessage'])
      expect(actions.has(needed), needed).toBe(true);
    // DeleteItem only on cluster registrations (DELETE /v1/clusters/{id}), by partition key.
    const deletes = grants.filter((g) => g.actions.includes('dynamodb:DeleteItem'));
    expect(deletes.length).toBeGreaterThan(0);
    for (const d of deletes) expect(d.condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CLUSTER#*'] } });
    // It sends to every queue it accepts work for (all of them), and no EKS access entry names it.
    const sends = grants.filter((g) => g.actions.includes('sqs:SendMessage')).flatMap((g) => referencedIds(g.resource));
    for (const q of QUEUES) expect(sends, q.id).toContain(one(template, 'AWS::SQS::Queue', (r) => r.Properties.QueueName === `${stage}-${q.name}`)[0]);
  });

  it('receives only from the queues a function consumes, and sends only to those it names', () => {
    const queueIdOf = (id: string) =>
      one(template, 'AWS::SQS::Queue', (r) => r.Properties.QueueName === `${stage}-${QUEUES.find((q) => q.id === id)!.name}`)[0];
    for (const h of HANDLERS) {
      const grants = grantsOf(template, roleIdOf(template, h.id));
      const receives = grants.filter((g) => g.actions.includes('sqs:ReceiveMessage')).flatMap((g) => referencedIds(g.resource));
      // The operations sweeper also receives from every dead-letter queue (it ends their operations).
      const dlqIdOf = (id: string) =>
        one(template, 'AWS::SQS::Queue', (r) => r.Properties.QueueName === `${stage}-${QUEUES.find((q) => q.id === id)!.dlqName}`)[0];
      const deadLetters = h.needs.drainsDeadLetters ? QUEUES.map((q) => dlqIdOf(q.id)) : [];
      expect(receives.sort(), h.id).toEqual([...consumedQueues(h).map(queueIdOf), ...deadLetters].sort());
      const sends = grants.filter((g) => g.actions.includes('sqs:SendMessage')).flatMap((g) => referencedIds(g.resource));
      // The table stream's consumer sends what it could not publish to its event source's failure queue.
      const failureQueue =
        h.trigger.kind === 'tableStream'
          ? [one(template, 'AWS::SQS::Queue', (r) => String(r.Properties.QueueName).endsWith('-publish-events-failures'))[0]]
          : [];
      expect(sends.sort(), h.id).toEqual([...(h.needs.sendsTo ?? []).map(queueIdOf), ...failureQueue].sort());
    }
  });

  it('lets only rollout starters start executions, and only functions that read alarm tags read them', () => {
    for (const h of HANDLERS) {
      const actions = actionsOf(grantsOf(template, roleIdOf(template, h.id)));
      expect(actions.has('states:StartExecution'), h.id).toBe(Boolean(h.needs.startsRollouts || h.needs.startsReleases));
      expect(actions.has('cloudwatch:ListTagsForResource'), h.id).toBe(Boolean(h.needs.readsAlarmTags));
      expect(actions.has('dynamodb:Scan'), h.id).toBe(false);
    }
  });

  it('allows eks:DescribeCluster on any cluster only because none is named, only to functions that call clusters, and creates no access entry', () => {
    for (const h of HANDLERS) {
      const describe = grantsOf(template, roleIdOf(template, h.id)).filter((g) => g.actions.includes('eks:DescribeCluster'));
      expect(
        describe.map((g) => g.resource),
        h.id,
      ).toEqual(h.needs.kubernetes ? ['*'] : []);
    }
    expect(resourcesOf(template, 'AWS::EKS::AccessEntry')).toEqual([]);
    expect(resourcesOf(template, 'AWS::SNS::Topic')).toEqual([]);
  });
});

describe('MeshplaneStack with every option in context', () => {
  let template: Template;

  beforeAll(() => {
    template = templateOf(FULL_CONTEXT).template;
  });

  it('creates access entries only for same-region clusters reached directly, one per function that calls clusters', () => {
    const callers = HANDLERS.filter((h) => h.needs.kubernetes).map((h) => h.id);
    const entries = resourcesOf(template, 'AWS::EKS::AccessEntry').map(([, e]) => e.Properties);
    expect([...new Set(entries.map((e) => e.ClusterName))].sort()).toEqual(['shop-a', 'shop-b']);
    for (const cluster of ['shop-a', 'shop-b']) {
      const principals = entries.filter((e) => e.ClusterName === cluster).map((e) => referencedIds(e.PrincipalArn)[0]);
      expect(principals.sort(), cluster).toEqual(callers.map((id) => roleIdOf(template, id)).sort());
    }
    expect(callers).not.toContain('api');
  });

  it('scopes access entries: Edit in the managed namespaces, View cluster-wide only for node readers, never cluster admin', () => {
    const policy = (name: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:eks::aws:cluster-access-policy/${name}`]] });
    const editNamespaced = { AccessScope: { Type: 'namespace', Namespaces: ['default'] }, PolicyArn: policy('AmazonEKSEditPolicy') };
    const viewCluster = { AccessScope: { Type: 'cluster' }, PolicyArn: policy('AmazonEKSViewPolicy') };
    const entries = resourcesOf(template, 'AWS::EKS::AccessEntry').map(([, e]) => e.Properties);
    for (const h of HANDLERS.filter((h) => h.needs.kubernetes)) {
      const roleId = roleIdOf(template, h.id);
      const [scoped] = entries.filter((e) => e.ClusterName === 'shop-a' && referencedIds(e.PrincipalArn)[0] === roleId);
      expect(scoped.AccessPolicies, h.id).toEqual([editNamespaced, ...(h.needs.kubernetes!.viewCluster ? [viewCluster] : [])]);
      // Istio's kinds are in no access policy: the group the administrators bind to them in the namespaces.
      expect(scoped.KubernetesGroups, h.id).toEqual(['meshplane-controller']);
      const [rbac] = entries.filter((e) => e.ClusterName === 'shop-b' && referencedIds(e.PrincipalArn)[0] === roleId);
      expect(rbac.KubernetesGroups, h.id).toEqual(['meshplane-controller']);
      expect(rbac.AccessPolicies, h.id).toBeUndefined();
    }
    expect(JSON.stringify(entries)).not.toContain('AmazonEKSClusterAdminPolicy');
  });

  it('scopes eks:DescribeCluster to the named clusters and sts:AssumeRole to the named roles, for cluster callers only', () => {
    for (const h of HANDLERS) {
      const grants = grantsOf(template, roleIdOf(template, h.id));
      const resourcesFor = (action: string) => grants.filter((g) => g.actions.includes(action)).map((g) => g.resource);
      if (!h.needs.kubernetes) {
        expect(resourcesFor('eks:DescribeCluster'), h.id).toEqual([]);
        expect(resourcesFor('sts:AssumeRole'), h.id).toEqual([]);
        continue;
      }
      const describe = resourcesFor('eks:DescribeCluster').map((r) => JSON.stringify(r));
      expect(describe, h.id).toHaveLength(3);
      for (const [name, region] of [
        ['shop-a', 'eu-west-1'],
        ['shop-b', 'eu-west-1'],
        ['far-away', 'us-east-1'],
      ]) {
        expect(
          describe.some((r) => r.includes(`:eks:${region}:123456789012:cluster/${name}`)),
          `${h.id} ${name}`,
        ).toBe(true);
      }
      expect(resourcesFor('sts:AssumeRole'), h.id).toEqual(['arn:aws:iam::210987654321:role/meshplane-access']);
    }
  });

  it('gives the alarm intake no cluster access: no access entry, no eks:DescribeCluster or sts:AssumeRole, no metrics, no deletes', () => {
    const roleId = roleIdOf(template, 'on-health-alarm');
    const actions = actionsOf(grantsOf(template, roleId));
    for (const denied of [
      'eks:DescribeCluster',
      'sts:AssumeRole',
      'aps:QueryMetrics',
      'cloudwatch:GetMetricData',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:Scan',
    ])
      expect(actions.has(denied), denied).toBe(false);
    for (const needed of ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'sqs:SendMessage', 'cloudwatch:ListTagsForResource'])
      expect(actions.has(needed), needed).toBe(true);
    const entries = resourcesOf(template, 'AWS::EKS::AccessEntry').map(([, e]) => e.Properties);
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.filter((e) => referencedIds(e.PrincipalArn).includes(roleId))).toEqual([]);
  });

  it('grants aps:QueryMetrics on the workspace to the functions that query metrics, and to no other', () => {
    for (const h of HANDLERS) {
      const aps = grantsOf(template, roleIdOf(template, h.id)).filter((g) => g.actions.includes('aps:QueryMetrics'));
      expect(
        aps.map((g) => g.resource),
        h.id,
      ).toEqual(h.needs.queriesMetrics ? [FULL_CONTEXT.ampWorkspaceArn] : []);
    }
  });

  it('uses the JWT authorizer instead of IAM', () => {
    const [authorizerId, authorizer] = one(template, 'AWS::ApiGatewayV2::Authorizer', () => true);
    expect(authorizer.Properties.JwtConfiguration).toEqual({ Issuer: FULL_CONTEXT.jwtIssuer, Audience: [FULL_CONTEXT.jwtAudience] });
    const [, route] = one(template, 'AWS::ApiGatewayV2::Route', (r) => r.Properties.RouteKey === `ANY ${API_ROUTE_PATH}`);
    expect(route.Properties.AuthorizationType).toBe('JWT');
    expect(referencedIds(route.Properties.AuthorizerId)).toEqual([authorizerId]);
  });

  it('derives PROMETHEUS_URL from the AMP workspace for the functions that query metrics', () => {
    const [, task] = functionOf(template, 'rollout-task');
    expect(task.Properties.Environment.Variables.PROMETHEUS_URL).toBe('https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1a2b3c4d');
    const [, serviceEvents] = functionOf(template, 'on-service-event');
    expect(serviceEvents.Properties.Environment.Variables.PROMETHEUS_URL).toBeUndefined();
  });

  it('grants cloudwatch:GetMetricData to no function while analyses read Prometheus', () => {
    for (const h of HANDLERS) expect(actionsOf(grantsOf(template, roleIdOf(template, h.id))).has('cloudwatch:GetMetricData'), h.id).toBe(false);
  });

  it('places the functions in the given subnets and notifies the alarm topic over TLS', () => {
    for (const [id, fn] of handlerFunctions(template)) {
      expect(fn.Properties.VpcConfig.SubnetIds, id).toEqual(FULL_CONTEXT.vpc.subnetIds);
      expect(fn.Properties.LoggingConfig, id).toBeDefined();
    }
    const [topicId] = one(template, 'AWS::SNS::Topic', () => true);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: FULL_CONTEXT.alarmEmail });
    for (const [, alarm] of resourcesOf(template, 'AWS::CloudWatch::Alarm')) expect(referencedIds(alarm.Properties.AlarmActions)).toEqual([topicId]);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('lets throwaway stages delete their table', () => {
    const [, table] = one(templateOf({ ...FULL_CONTEXT, retainData: false }).template, 'AWS::DynamoDB::Table', () => true);
    expect(table.DeletionPolicy).toBe('Delete');
    expect(table.Properties.DeletionProtectionEnabled).toBe(false);
  });
});

describe('MeshplaneStack with CloudWatch as the metrics source (metricsSource: cloudwatch)', () => {
  let template: Template;
  beforeAll(() => {
    template = templateOf({ ...FULL_CONTEXT, metricsSource: 'cloudwatch', cloudWatchMetricsNamespace: 'Meshplane/Istio' }).template;
  });

  it('grants cloudwatch:GetMetricData to the functions that analyse, and to no other', () => {
    const analysing = HANDLERS.filter((h) => h.needs.analysesMetrics).map((h) => h.id);
    expect(analysing.sort()).toEqual(['health-probe', 'rollout-task']);
    for (const h of HANDLERS) {
      const grants = grantsOf(template, roleIdOf(template, h.id)).filter((g) => g.actions.includes('cloudwatch:GetMetricData'));
      // GetMetricData has no resource-level permissions: "*" is the only resource it accepts.
      expect(
        grants.map((g) => g.resource),
        h.id,
      ).toEqual(h.needs.analysesMetrics ? ['*'] : []);
    }
  });

  it('sets METRICS_SOURCE and the namespace on the functions that analyse only', () => {
    for (const h of HANDLERS) {
      const env = functionOf(template, h.id)[1].Properties.Environment.Variables;
      const expected = h.needs.analysesMetrics ? { METRICS_SOURCE: 'cloudwatch', CLOUDWATCH_METRICS_NAMESPACE: 'Meshplane/Istio' } : {};
      expect({ METRICS_SOURCE: env.METRICS_SOURCE, CLOUDWATCH_METRICS_NAMESPACE: env.CLOUDWATCH_METRICS_NAMESPACE }, h.id).toEqual(expected);
    }
  });
});

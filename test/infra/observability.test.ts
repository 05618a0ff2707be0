import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_EVENT_STREAM_FILTER } from '../../lib/adapters/dynamodb/audit-stream.js';
import { HANDLERS } from '../../infra/handler-catalog.js';
import { templateOf } from './support/synth-meshplane.js';

type Resource = { Type: string; Properties: Record<string, any> };
const resourcesOf = (template: Template, type: string): [string, Resource][] => Object.entries(template.findResources(type) as Record<string, Resource>);
const refs = (value: unknown): string[] => {
  if (Array.isArray(value)) return value.flatMap(refs);
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (typeof obj.Ref === 'string') return [obj.Ref];
    if (Array.isArray(obj['Fn::GetAtt'])) return [String(obj['Fn::GetAtt'][0])];
    return Object.values(obj).flatMap(refs);
  }
  return [];
};

/** Events out, the dashboard and the alarms, as the stack synthesizes them (default context, stage "dev"). */
describe('observability in the stack', () => {
  let template: Template;
  let stage: string;
  let publisherId: string;
  let publisherRoleId: string;

  beforeAll(() => {
    const built = templateOf({ alarmEmail: 'oncall@example.com' });
    template = built.template;
    stage = built.stack.node.tryGetContext('stage') ?? 'dev';
    const [id, fn] = resourcesOf(template, 'AWS::Lambda::Function').find(([, r]) => String(r.Properties.FunctionName).endsWith('-publish-events'))!;
    publisherId = id;
    publisherRoleId = refs(fn.Properties.Role)[0];
  }, 120_000);

  it('streams new images of the table to the publish-events function, filtered to new audit events, with a failure queue', () => {
    const [, table] = resourcesOf(template, 'AWS::DynamoDB::Table')[0];
    expect(table.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
    const [, mapping] = resourcesOf(template, 'AWS::Lambda::EventSourceMapping').find(([, m]) => refs(m.Properties.FunctionName).includes(publisherId))!;
    expect(mapping.Properties).toMatchObject({ BisectBatchOnFunctionError: true, MaximumRetryAttempts: 10, StartingPosition: 'LATEST' });
    expect(JSON.parse(mapping.Properties.FilterCriteria.Filters[0].Pattern)).toEqual(AUDIT_EVENT_STREAM_FILTER);
    expect(refs(mapping.Properties.DestinationConfig.OnFailure.Destination)).toHaveLength(1);
  });

  it('gives the publisher the bus name, events:PutEvents on that bus only, and no table action but reading its stream', () => {
    const [busId, bus] = resourcesOf(template, 'AWS::Events::EventBus')[0];
    expect(bus.Properties.Name).toMatch(/-events$/);
    const [, fn] = resourcesOf(template, 'AWS::Lambda::Function').find(([id]) => id === publisherId)!;
    expect(refs(fn.Properties.Environment.Variables.EVENT_BUS_NAME)).toEqual([busId]);
    const statements = resourcesOf(template, 'AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties.Roles ?? []).some((r: unknown) => refs(r).includes(publisherRoleId)))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions).toContain('events:PutEvents');
    expect(refs(statements.find((s) => [s.Action].flat().includes('events:PutEvents'))!.Resource)).toEqual([busId]);
    const tableActions = actions.filter((a) => a.startsWith('dynamodb:'));
    expect(tableActions.every((a) => ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'].includes(a))).toBe(
      true,
    );
  });

  it('alarms on every function’s errors and throttles, failed executions, API 5xx and unpublished events, to the alarm topic', () => {
    const names = resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([, a]) => String(a.Properties.AlarmName));
    for (const h of HANDLERS.filter((d) => !d.whenPresent || names.some((n) => n.includes(d.id)))) {
      expect(names).toContain(`meshplane-${stage}-${h.id}-errors`);
      expect(names).toContain(`meshplane-${stage}-${h.id}-throttles`);
    }
    for (const name of ['rollouts-failed', 'api-5xx', 'publish-events-failures']) expect(names).toContain(`meshplane-${stage}-${name}`);
    // Every alarm of the stack is its own (never routed to the health intake) and notifies the topic.
    for (const [, alarm] of resourcesOf(template, 'AWS::CloudWatch::Alarm')) {
      expect(String(alarm.Properties.AlarmName)).toMatch(new RegExp(`^meshplane-${stage}-`));
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
    }
  });

  it('builds one dashboard with the rollout, remediation and function widgets', () => {
    const [, dashboard] = resourcesOf(template, 'AWS::CloudWatch::Dashboard')[0];
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const title of ['Rollouts', 'Analysis verdicts', 'Remediations by action', 'Oldest queued message (ms)', 'Function errors', 'Dead letters'])
      expect(body).toContain(title);
    expect(body).toContain("SEARCH('{meshplane} MetricName=");
    expect(body).toContain('RolloutsRolledBack');
  });
});

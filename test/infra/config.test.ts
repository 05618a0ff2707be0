import { describe, expect, it } from 'vitest';
import { ampQueryUrl, readMeshplaneConfig } from '../../infra/config.js';
import { ValidationError } from '../../lib/errors.js';

const read = (context: Record<string, unknown>, defaults?: { account?: string; region?: string }) => readMeshplaneConfig((k) => context[k], defaults);

describe('readMeshplaneConfig', () => {
  it('defaults to a retained prod stage, IAM auth, 30-day logs and an environment-agnostic stack', () => {
    expect(read({})).toEqual({
      stage: 'prod',
      env: {},
      clusters: [],
      prometheusUrl: undefined,
      ampWorkspaceArn: undefined,
      jwt: undefined,
      logRetentionDays: 30,
      logLevel: 'INFO',
      alarmEmail: undefined,
      retainData: true,
      vpc: undefined,
    });
  });

  it.each([
    [
      'clusters as JSON text',
      { clusters: '[{"name":"shop"}]' },
      { clusters: [{ name: 'shop', access: 'scoped', kubernetesGroups: ['meshplane-controller'], namespaces: ['default'] }] },
    ],
    ['retention as a number string', { logRetentionDays: '90' }, { logRetentionDays: 90 }],
    ['retainData as a boolean string', { retainData: 'false' }, { retainData: false }],
    [
      'one audience as a plain string',
      { jwtIssuer: 'https://id.example.com', jwtAudience: 'meshplane' },
      { jwt: { issuer: 'https://id.example.com', audience: ['meshplane'] } },
    ],
    [
      'dashboardAuth as JSON text, one audience, the sign-in scope defaulted',
      {
        dashboardAuth:
          '{"issuer":"https://id.example.com","audience":"dash","login":{"clientId":"c","authorizationEndpoint":"https://id.example.com/a","tokenEndpoint":"https://id.example.com/t"}}',
      },
      {
        dashboardAuth: {
          issuer: 'https://id.example.com',
          audience: ['dash'],
          login: { clientId: 'c', authorizationEndpoint: 'https://id.example.com/a', tokenEndpoint: 'https://id.example.com/t', scope: 'openid' },
        },
      },
    ],
  ])('accepts -c key=value strings: %s', (_, context, expected) => {
    expect(read(context)).toMatchObject(expected);
  });

  it.each([
    [{}, { account: '111122223333', region: 'eu-west-1' }, { account: '111122223333', region: 'eu-west-1' }],
    [{ region: 'us-east-2' }, { account: '111122223333', region: 'eu-west-1' }, { account: '111122223333', region: 'us-east-2' }],
    [{}, {}, {}],
  ])('takes the environment from context %j before the CLI defaults %j', (context, defaults, env) => {
    expect(read(context, defaults).env).toEqual(env);
  });

  it('derives the Prometheus URL from the AMP workspace, unless one is given', () => {
    const arn = 'arn:aws:aps:eu-central-1:123456789012:workspace/ws-9f8e7d';
    expect(read({ ampWorkspaceArn: arn }).prometheusUrl).toBe('https://aps-workspaces.eu-central-1.amazonaws.com/workspaces/ws-9f8e7d');
    expect(read({ ampWorkspaceArn: arn, prometheusUrl: 'https://prom.example.com' }).prometheusUrl).toBe('https://prom.example.com');
  });

  it('reads CloudWatch as the metrics source with its namespace', () => {
    expect(read({ metricsSource: 'cloudwatch', cloudWatchMetricsNamespace: 'Meshplane/Istio' }).cloudWatchMetrics).toEqual({ namespace: 'Meshplane/Istio' });
    expect(read({ metricsSource: 'prometheus', cloudWatchMetricsNamespace: 'Meshplane/Istio' }).cloudWatchMetrics).toBeUndefined();
  });

  it.each([
    [{ logRetentionDays: 31 }, 'logRetentionDays'],
    [{ stage: 'Prod' }, 'stage'],
    [{ clusters: [{ name: 'a', roleArn: 'not-an-arn' }] }, 'clusters.0.roleArn'],
    [{ clusters: [{ name: 'a', access: 'admin' }] }, 'clusters.0.access'],
    [{ jwtIssuer: 'https://id.example.com' }, 'jwtAudience'],
    [{ jwtAudience: 'x' }, 'jwtIssuer'],
    [{ jwtIssuer: 'http://id.example.com', jwtAudience: 'x' }, 'jwtIssuer'],
    [{ ampWorkspaceArn: 'arn:aws:aps:eu-west-1:123456789012:rulegroup/x' }, 'ampWorkspaceArn'],
    [{ vpc: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-01234567'], availabilityZones: ['a', 'b'] } }, 'vpc.availabilityZones'],
    [{ alarmEmail: 'ops' }, 'alarmEmail'],
    [{ metricsSource: 'cloudwatch' }, 'cloudWatchMetricsNamespace'],
    [{ metricsSource: 'datadog' }, 'metricsSource'],
    [{ dashboardAuth: { issuer: 'http://id.example.com', audience: 'x' } }, 'dashboardAuth.issuer'],
    [{ dashboardAuth: { issuer: 'https://id.example.com' } }, 'dashboardAuth.audience'],
    [{ dashboardAuth: { issuer: 'https://id.example.com', audience: 'x', login: { clientId: 'c' } } }, 'dashboardAuth.login.tokenEndpoint'],
    [{ dashboardAuth: { issuer: 'https://id.example.com', audience: 'x' }, jwtIssuer: 'https://id.example.com', jwtAudience: 'x' }, 'dashboardAuth'],
  ])('rejects %j naming %s', (context, path) => {
    let error: unknown;
    try {
      read(context);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((p) => p.path)).toContain(path);
  });

  it('lists every invalid key at once', () => {
    expect(() => read({ stage: 'A', logRetentionDays: 2 })).toThrow(/stage: .*; logRetentionDays: /);
  });
});

describe('ampQueryUrl', () => {
  it('rejects what is not a workspace ARN', () => {
    expect(() => ampQueryUrl('arn:aws:s3:::bucket')).toThrow(ValidationError);
  });
});

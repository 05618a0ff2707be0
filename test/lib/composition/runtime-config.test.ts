import { describe, expect, it } from 'vitest';
import { runtimeConfigFromEnv, runtimeConfigToEnv } from '../../../lib/composition/runtime-config.js';

/** What the CDK stack sets on every function. */
const REQUIRED = {
  TABLE_NAME: 'meshplane-prod',
  SERVICE_EVENTS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/prod-service-events.fifo',
  DEPLOY_REQUESTS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/prod-deploy-requests.fifo',
  HEALTH_ALARMS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/prod-health-alarms.fifo',
  OPTIMIZER_RUNS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/prod-optimizer-runs.fifo',
};

describe('runtimeConfigFromEnv', () => {
  it('reads the table and the four queues', () => {
    const config = runtimeConfigFromEnv({ ...REQUIRED, AWS_REGION: 'eu-west-1' });
    expect(config).toEqual({
      region: 'eu-west-1',
      endpoint: undefined,
      endpoints: {},
      tableName: 'meshplane-prod',
      queueUrls: {
        serviceEvents: REQUIRED.SERVICE_EVENTS_QUEUE_URL,
        deployRequests: REQUIRED.DEPLOY_REQUESTS_QUEUE_URL,
        healthAlarms: REQUIRED.HEALTH_ALARMS_QUEUE_URL,
        optimizerRuns: REQUIRED.OPTIMIZER_RUNS_QUEUE_URL,
      },
      prometheusUrl: undefined,
      stateMachineArn: undefined,
      remediationPolicy: undefined,
    });
  });

  it.each([
    {
      name: 'nothing set',
      env: {},
      missing: 'TABLE_NAME, SERVICE_EVENTS_QUEUE_URL, DEPLOY_REQUESTS_QUEUE_URL, HEALTH_ALARMS_QUEUE_URL, OPTIMIZER_RUNS_QUEUE_URL',
    },
    { name: 'one queue missing', env: { ...REQUIRED, DEPLOY_REQUESTS_QUEUE_URL: undefined }, missing: 'DEPLOY_REQUESTS_QUEUE_URL' },
    { name: 'empty values', env: { ...REQUIRED, TABLE_NAME: '', HEALTH_ALARMS_QUEUE_URL: '' }, missing: 'TABLE_NAME, HEALTH_ALARMS_QUEUE_URL' },
  ])('names every missing variable in one error: $name', ({ env, missing }) => {
    expect(() => runtimeConfigFromEnv(env)).toThrow(`meshplane is not configured: missing environment variables ${missing}`);
  });

  it.each([
    { name: 'AWS_REGION', env: { AWS_REGION: 'eu-central-1', AWS_DEFAULT_REGION: 'us-west-2' }, region: 'eu-central-1' },
    { name: 'AWS_DEFAULT_REGION when AWS_REGION is unset', env: { AWS_DEFAULT_REGION: 'us-west-2' }, region: 'us-west-2' },
    { name: 'us-east-1 when neither is set', env: {}, region: 'us-east-1' },
  ])('region from $name', ({ env, region }) => {
    expect(runtimeConfigFromEnv({ ...REQUIRED, ...env }).region).toBe(region);
  });

  it.each([
    { name: 'one endpoint for everything (LocalStack)', env: { AWS_ENDPOINT_URL: 'http://localhost:4566' }, endpoint: 'http://localhost:4566', endpoints: {} },
    {
      name: 'per-service endpoints',
      env: { AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:4567', AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4568' },
      endpoint: undefined,
      endpoints: { dynamodb: 'http://127.0.0.1:4567', sqs: 'http://127.0.0.1:4568' },
    },
    { name: 'an empty AWS_ENDPOINT_URL (unset)', env: { AWS_ENDPOINT_URL: '' }, endpoint: undefined, endpoints: {} },
  ])('endpoints: $name', ({ env, endpoint, endpoints }) => {
    const config = runtimeConfigFromEnv({ ...REQUIRED, ...env });
    expect(config.endpoint).toBe(endpoint);
    expect(config.endpoints).toEqual(endpoints);
  });

  it('reads PROMETHEUS_URL, STATE_MACHINE_ARN and the REMEDIATION_POLICY JSON', () => {
    const config = runtimeConfigFromEnv({
      ...REQUIRED,
      PROMETHEUS_URL: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1',
      STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:meshplane-prod-rollout',
      REMEDIATION_POLICY: '{"dryRun": true, "cooldownSeconds": {"restart": 60}}',
    });
    expect(config.prometheusUrl).toBe('https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1');
    expect(config.stateMachineArn).toBe('arn:aws:states:eu-west-1:123456789012:stateMachine:meshplane-prod-rollout');
    // Parsed, not yet validated: createApp validates it with RemediationPolicy.
    expect(config.remediationPolicy).toEqual({ dryRun: true, cooldownSeconds: { restart: 60 } });
  });

  it('treats empty optional variables as unset', () => {
    const config = runtimeConfigFromEnv({ ...REQUIRED, PROMETHEUS_URL: '', STATE_MACHINE_ARN: '', REMEDIATION_POLICY: '' });
    expect([config.prometheusUrl, config.stateMachineArn, config.remediationPolicy]).toEqual([undefined, undefined, undefined]);
  });

  it('rejects a malformed REMEDIATION_POLICY, naming the variable', () => {
    expect(() => runtimeConfigFromEnv({ ...REQUIRED, REMEDIATION_POLICY: '{dryRun: true}' })).toThrow(/^REMEDIATION_POLICY is not JSON: /);
  });
});

describe('runtimeConfigToEnv', () => {
  it('gives back the variables runtimeConfigFromEnv needs', () => {
    const config = runtimeConfigFromEnv({ ...REQUIRED });
    expect(runtimeConfigToEnv(config)).toEqual(REQUIRED);
    expect(runtimeConfigFromEnv(runtimeConfigToEnv(config))).toEqual(config);
  });

  it('carries the dead-letter queue URLs where a function has them (the operations sweeper)', () => {
    const withDlqs = { ...REQUIRED, SERVICE_EVENTS_DLQ_URL: 'https://sqs/dlq-1.fifo', DEPLOY_REQUESTS_DLQ_URL: 'https://sqs/dlq-2.fifo' };
    const config = runtimeConfigFromEnv(withDlqs);
    expect(config.deadLetterQueueUrls).toEqual({ serviceEvents: 'https://sqs/dlq-1.fifo', deployRequests: 'https://sqs/dlq-2.fifo' });
    expect(runtimeConfigToEnv(config)).toEqual(withDlqs);
  });
});

import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { buildMeshplane, FULL_CONTEXT } from './support/synth-meshplane.js';

/** Synthesizes with AwsSolutionsChecks; cdk-nag 3 stops synthesis with a report when a finding is not acknowledged. */
function nagFindings(synth: () => void): string {
  try {
    synth();
    return '';
  } catch (err) {
    return String(err instanceof Error ? err.message : err);
  }
}

describe('cdk-nag AwsSolutions', () => {
  it.each([
    ['the default context', {}],
    ['every option in context', FULL_CONTEXT],
    ['CloudWatch as the metrics source', { metricsSource: 'cloudwatch', cloudWatchMetricsNamespace: 'Meshplane/Istio' }],
    [
      'a JWT API for the dashboard beside the IAM API',
      {
        dashboardAuth: {
          issuer: 'https://id.example.com',
          audience: 'meshplane-dashboard',
          login: { clientId: 'dash', authorizationEndpoint: 'https://id.example.com/authorize', tokenEndpoint: 'https://id.example.com/token' },
        },
      },
    ],
  ])('has no unacknowledged finding with %s', (_, context) => {
    const { app } = buildMeshplane(context, { nag: true });
    expect(nagFindings(() => app.synth())).toBe('');
  });

  it('still fails synthesis when a new wildcard permission appears', () => {
    const { app, stack } = buildMeshplane({}, { nag: true });
    stack.roles.get('api')!.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['sqs:*'], resources: ['*'] }));
    expect(nagFindings(() => app.synth())).toContain('AwsSolutions-IAM5[Action::sqs:*]');
  });
});

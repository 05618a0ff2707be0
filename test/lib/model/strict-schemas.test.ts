/**
 * The request schemas reject unknown fields, and values stored earlier are re-parsed with the same
 * schemas (`ServiceSpec.safeParse(event.payload.spec)`, `RolloutPolicy.parse(deployment.rolloutOverride)`).
 * Both hold only if a parsed value never carries a field its schema does not declare.
 */
import { describe, expect, it } from 'vitest';
import { ClusterRegistration } from '../../../lib/model/cluster.js';
import { RolloutPolicy, ServiceSpec } from '../../../lib/model/service-spec.js';
import { rolloutExecutionInput } from '../../../lib/model/rollout-task-contract.js';
import { DeployRequest } from '../../../lib/usecases/deployments/request-deploy.js';
import { orderServiceInput } from '../../support/service-specs.js';

const everyOptionalSpec = {
  ...orderServiceInput,
  resources: { cpu: 200, memory: 256, cpuLimit: 400, memoryLimit: 512 },
  env: { LOG_LEVEL: 'debug' },
  probes: { readiness: { path: '/ready' }, liveness: { path: '/live', periodSeconds: 5 } },
  rollout: { strategy: 'blueGreen' as const, blueGreen: { previewSeconds: 30 }, analysis: { maxErrorRate: 0.02 } },
  mesh: { timeoutMs: 1_000, retries: { attempts: 1 }, circuitBreaker: { maxConnections: 10 } },
  cluster: 'prod-eu',
};

describe('parsed values re-parse unchanged under the strict schemas', () => {
  it.each([
    { name: 'a minimal ServiceSpec', schema: ServiceSpec, input: orderServiceInput },
    { name: 'a ServiceSpec with every optional part', schema: ServiceSpec, input: everyOptionalSpec },
    { name: 'a rollout override', schema: RolloutPolicy, input: { steps: [{ weight: 50, gate: 'manual' as const }, { weight: 100 }] } },
    { name: 'a deploy request', schema: DeployRequest, input: { image: 'shop/user:2', rollout: { analysis: { minRequests: 10 } } } },
    {
      name: 'an EKS cluster registration',
      schema: ClusterRegistration,
      input: { id: 'prod-eu', target: { kind: 'eks' as const, name: 'prod', region: 'eu-west-1' } },
    },
  ])('$name', ({ schema, input }) => {
    const stored = JSON.parse(JSON.stringify(schema.parse(input)));
    expect(schema.parse(stored)).toEqual(stored);
  });

  it('a rollback override built from a stored spec (spread plus replaced steps) is still a valid policy', () => {
    const stored = ServiceSpec.parse(everyOptionalSpec);
    const rollback = { ...stored.rollout, strategy: 'canary', steps: [{ weight: 100, pauseSeconds: 0, gate: 'auto' }] };
    expect(RolloutPolicy.parse(rollback).steps).toEqual([{ weight: 100, pauseSeconds: 0, gate: 'auto', gateTimeoutSeconds: 14_400 }]);
  });

  it('the execution input built from a parsed policy passes its own (nested strict) schema', () => {
    const policy = RolloutPolicy.parse({ steps: [{ weight: 20 }, { weight: 100 }] });
    const input = rolloutExecutionInput('dep-1', { name: 'user-service', namespace: 'default' }, policy);
    expect(input.steps).toEqual(policy.steps);
    expect(input.analysis).toEqual(policy.analysis);
  });
});

describe('the strict schemas still reject what they should', () => {
  it.each([
    {
      name: 'an unknown field in a stored-looking spec',
      schema: ServiceSpec,
      input: { ...ServiceSpec.parse(orderServiceInput), revision: 3 },
      path: '',
      message: 'unknown field: revision',
    },
    {
      name: 'an unknown field in a rollout override',
      schema: RolloutPolicy,
      input: { steps: [{ weight: 100, wieght: 50 }] },
      path: 'steps.0',
      message: 'unknown field: wieght',
    },
    {
      name: 'an unknown field in a simulated target',
      schema: ClusterRegistration,
      input: { id: 'sim', target: { kind: 'simulated', uri: 'http://x' } },
      path: 'target',
      message: 'unknown field: uri',
    },
  ])('$name', ({ schema, input, path, message }) => {
    const issues = schema.safeParse(input).error?.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    expect(issues).toContainEqual({ path, message });
  });
});

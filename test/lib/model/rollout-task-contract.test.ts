import { describe, expect, it } from 'vitest';
import { ServiceSpec } from '../../../lib/model/service-spec.js';
import { parseTaskResponse, RolloutTaskRequest, rolloutExecutionInput } from '../../../lib/model/rollout-task-contract.js';

describe('rolloutExecutionInput', () => {
  it('builds the execution input from a spec with its defaults filled in', () => {
    const spec = ServiceSpec.parse({ name: 'cart', namespace: 'shop', image: 'cart:2', port: 8080 });
    const input = rolloutExecutionInput('dep-01jabc', spec, spec.rollout);
    expect(input).toMatchObject({ deploymentId: 'dep-01jabc', service: 'cart', namespace: 'shop', strategy: 'canary' });
    expect(input.steps.map((s) => s.weight)).toEqual([10, 25, 50, 100]);
    expect(input.analysis.intervalSeconds).toBe(30);
    expect(input.blueGreen).toEqual({ previewSeconds: 60, keepOldSeconds: 600 });
  });

  it.each(['dep 1', 'dep/1', '', 'x'.repeat(81)])('refuses %j as a deployment id (it names the execution)', (id) => {
    const spec = ServiceSpec.parse({ name: 'cart', image: 'cart:2', port: 8080 });
    expect(() => rolloutExecutionInput(id, spec, spec.rollout)).toThrow();
  });
});

describe('task contract', () => {
  it('fills analyze defaults, and requires the decision the state machine dispatches on', () => {
    expect(parseTaskResponse('analyze', { decision: 'advance', verdict: 'pass' })).toEqual({
      decision: 'advance',
      verdict: 'pass',
      reasons: [],
      promoteRequested: false,
    });
    expect(() => parseTaskResponse('analyze', { verdict: 'pass' })).toThrow();
  });

  it.each([
    ['analyze', { verdict: 'ok' }],
    ['setWeight', { weight: 101 }],
    ['promote', {}],
    ['rollback', { rolledBack: false }],
  ] as const)('rejects a %s response that breaks the contract', (action, response) => {
    expect(() => parseTaskResponse(action, response)).toThrow();
  });

  it('tells requests apart by action and rejects unknown actions', () => {
    const base = { deploymentId: 'dep-1', service: 'cart', namespace: 'shop' };
    expect(RolloutTaskRequest.parse({ action: 'finish', ...base }).action).toBe('finish');
    expect(RolloutTaskRequest.safeParse({ action: 'setWeight', ...base, track: 'canary', stepIndex: 0 }).success).toBe(false);
    expect(RolloutTaskRequest.safeParse({ action: 'pause', ...base }).success).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { TerminalError, TransientError } from '../../../lib/errors.js';
import { contractCheckedTask } from '../../../lib/rollout/task-handler.js';

const target = { deploymentId: 'dep-1', service: 'cart', namespace: 'shop' };

describe('contractCheckedTask', () => {
  it('hands the parsed request to the dispatcher and returns the response with defaults filled in', async () => {
    const seen: unknown[] = [];
    const handler = contractCheckedTask(async (request) => {
      seen.push(request);
      return { decision: 'continue', verdict: 'inconclusive' };
    });
    const payload = {
      action: 'analyze',
      ...target,
      track: 'canary',
      phase: 'step',
      stepIndex: 0,
      weight: 10,
      observedSeconds: 30,
      stepCount: 4,
      minObservedSeconds: 60,
      gate: 'auto',
      gateTimeoutSeconds: 14_400,
      analysis: {
        maxErrorRate: 0.01,
        maxErrorRateIncrease: 0.005,
        maxP99LatencyMs: 500,
        minRequests: 50,
        intervalSeconds: 30,
        maxInconclusive: 10,
        method: 'sequential',
        falseRollbackRate: 0.01,
        minBakeSeconds: 30,
        maxLatencyRatio: 1.2,
      },
    };
    expect(await handler(payload)).toEqual({ decision: 'continue', verdict: 'inconclusive', reasons: [], promoteRequested: false });
    expect(seen).toEqual([payload]);
  });

  it('refuses a payload that breaks the contract without calling the dispatcher', async () => {
    let called = false;
    const handler = contractCheckedTask(async () => {
      called = true;
      return {};
    });
    await expect(handler({ action: 'setWeight', ...target, track: 'canary', stepIndex: 0, weight: 150 })).rejects.toBeInstanceOf(TerminalError);
    expect(called).toBe(false);
  });

  it('turns a response that breaks the contract into a TerminalError naming the action', async () => {
    const handler = contractCheckedTask(async () => ({ revision: 0 }));
    await expect(handler({ action: 'promote', ...target, strategy: 'canary' })).rejects.toThrow(/"promote" response breaks the task contract/);
  });

  it('lets dispatcher errors through unchanged so Step Functions can match their names', async () => {
    const handler = contractCheckedTask(async () => {
      throw new TransientError('throttled');
    });
    const error = await handler({ action: 'finish', ...target }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).name).toBe('TransientError');
  });
});

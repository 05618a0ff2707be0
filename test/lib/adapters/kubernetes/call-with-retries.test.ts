import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { TerminalError, TransientError } from '../../../../lib/errors.js';
import { callWithRetries, type RetryRuntime } from '../../../../lib/adapters/kubernetes/call-with-retries.js';

const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 3000 };

/** A runtime that records the sleeps instead of waiting; jitter always draws the top of the range. */
function recordingRuntime(): RetryRuntime & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms) => void sleeps.push(ms), random: () => 0.999, now: () => 0 };
}

function httpError(status: number, headers: Record<string, string> = {}): ApiException<string> {
  const body = JSON.stringify({ kind: 'Status', code: status, reason: 'X', message: `status ${status}` });
  return new ApiException(status, 'Unsuccessful HTTP Request', body, headers);
}

/** A request that fails with the given errors in turn, then returns 'ok'. */
function scripted(...errors: unknown[]): { request: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    request: async () => {
      const error = errors[calls++];
      if (error !== undefined) throw error;
      return 'ok';
    },
    calls: () => calls,
  };
}

describe('callWithRetries', () => {
  it('retries 500, 429 and network errors with growing backoff, then succeeds', async () => {
    const runtime = recordingRuntime();
    const script = scripted(httpError(500), httpError(429), new TypeError('fetch failed'));
    await expect(callWithRetries('op', script.request, policy, runtime)).resolves.toBe('ok');
    expect(script.calls()).toBe(4);
    expect(runtime.sleeps).toEqual([99, 199, 399]);
  });

  it('waits what Retry-After asks for instead of the jittered backoff', async () => {
    const runtime = recordingRuntime();
    const script = scripted(httpError(429, { 'retry-after': '2' }), httpError(503, { 'Retry-After': '10' }));
    await callWithRetries('op', script.request, policy, runtime);
    expect(runtime.sleeps).toEqual([2000, 3000]); // the second is capped at maxRetryAfterMs
  });

  it('gives up after maxAttempts with a TransientError', async () => {
    const runtime = recordingRuntime();
    const script = scripted(httpError(503), httpError(503), httpError(503), httpError(503), httpError(503));
    const err = await callWithRetries('list Pod shop', script.request, policy, runtime).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toContain('after 4 attempts');
    expect(script.calls()).toBe(4);
    expect(runtime.sleeps).toHaveLength(3);
  });

  it('does not retry a 4xx and surfaces it as a TerminalError', async () => {
    const runtime = recordingRuntime();
    const script = scripted(httpError(422), httpError(422));
    const err = await callWithRetries('apply Deployment shop/cart', script.request, policy, runtime).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TerminalError);
    expect((err as Error).message).toBe('Kubernetes API rejected apply Deployment shop/cart (422 X): status 422');
    expect(script.calls()).toBe(1);
    expect(runtime.sleeps).toEqual([]);
  });

  it('with maxAttempts 1 never retries', async () => {
    const runtime = recordingRuntime();
    const script = scripted(httpError(500));
    await expect(callWithRetries('op', script.request, { ...policy, maxAttempts: 1 }, runtime)).rejects.toThrow('after 1 attempt:');
    expect(script.calls()).toBe(1);
  });
});

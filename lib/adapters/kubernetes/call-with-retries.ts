/**
 * Runs one Kubernetes API call under a {@link RetryPolicy}: retryable failures are retried with
 * backoff, the rest surface at once as meshplane errors.
 */
import { classifyKubeFailure, isRetryableFailure, toMeshplaneError } from './api-failure.js';
import { type RetryPolicy, retryDelayMs } from './retry-policy.js';

/** The side effects of retrying, injectable so tests need not wait. */
export interface RetryRuntime {
  sleep(ms: number): Promise<void>;
  /** Uniform in [0, 1). */
  random(): number;
  now(): number;
}

/** Real timers, Math.random and the wall clock. */
export const SYSTEM_RETRY_RUNTIME: RetryRuntime = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
  now: Date.now,
};

/**
 * Calls `request` until it succeeds, fails for good, or `policy.maxAttempts` is used up.
 *
 * @param operation what is attempted, for error messages (e.g. `apply Deployment shop/cart`)
 * @throws KubeApiRejectedError (a TerminalError) for non-retryable failures
 * @throws KubeApiUnavailableError (a TransientError) when the last attempt failed retryably
 */
export async function callWithRetries<T>(
  operation: string,
  request: () => Promise<T>,
  policy: Pick<RetryPolicy, 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs' | 'maxRetryAfterMs'>,
  runtime: RetryRuntime = SYSTEM_RETRY_RUNTIME,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      const failure = classifyKubeFailure(error, runtime.now());
      if (!isRetryableFailure(failure) || attempt >= policy.maxAttempts) {
        throw toMeshplaneError(operation, failure, attempt, error);
      }
      const retryAfterMs = failure.kind === 'http' ? failure.retryAfterMs : undefined;
      await runtime.sleep(retryDelayMs(attempt, policy, retryAfterMs, runtime.random));
    }
  }
}

/**
 * When and how long to wait before retrying a Kubernetes API request. Pure: the caller supplies the
 * clock and the random source.
 */
import * as z from 'zod';
import { ValidationError } from '../../errors.js';

/** Retry and timeout settings for one cluster's API requests. */
export interface RetryPolicy {
  /** Total attempts including the first (1 = no retries). */
  maxAttempts: number;
  /** Backoff ceiling of the first retry; doubles per retry (full jitter draws below it). */
  baseDelayMs: number;
  /** Upper bound of the exponential backoff ceiling. */
  maxDelayMs: number;
  /** Longest `Retry-After` honoured; a server asking for more waits this long instead. */
  maxRetryAfterMs: number;
  /** Abort one HTTP request after this long and count it as a failed (retryable) attempt. */
  requestTimeoutMs: number;
}

/** Defaults: 5 attempts spread over roughly 3 s of backoff, 15 s per request. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 10_000,
  requestTimeoutMs: 15_000,
});

const RetryPolicySchema = z.object({
  maxAttempts: z.number().int().min(1).max(50),
  baseDelayMs: z.number().min(0).max(60_000),
  maxDelayMs: z.number().min(0).max(600_000),
  maxRetryAfterMs: z.number().min(0).max(600_000),
  requestTimeoutMs: z.number().positive().max(600_000),
});

/** Fills unset fields from {@link DEFAULT_RETRY_POLICY} and validates the result. */
export function resolveRetryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const merged = { ...DEFAULT_RETRY_POLICY, ...definedOnly(overrides) };
  const parsed = RetryPolicySchema.safeParse(merged);
  if (!parsed.success) {
    throw new ValidationError(
      parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      'the Kubernetes retry policy is not valid',
    );
  }
  return parsed.data;
}

/** 429 (throttled) and 5xx other than 501 (the server will never implement it) may pass on retry. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501);
}

/** Ceiling of the backoff before retry number `retry` (1 = first retry): min(max, base·2^(retry−1)). */
export function backoffCeilingMs(retry: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>): number {
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, retry - 1);
  return Math.min(policy.maxDelayMs, exponential);
}

/**
 * Delay before retry number `retry`. A server-provided `Retry-After` wins (capped at
 * `maxRetryAfterMs`); otherwise full jitter: uniform in [0, ceiling).
 *
 * @param random returns a number in [0, 1), like Math.random
 */
export function retryDelayMs(
  retry: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs' | 'maxRetryAfterMs'>,
  retryAfterMs: number | undefined,
  random: () => number,
): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), policy.maxRetryAfterMs);
  return Math.floor(random() * backoffCeilingMs(retry, policy));
}

/**
 * Parses a `Retry-After` header (RFC 9110: delay-seconds or an HTTP-date) into milliseconds from `nowMs`.
 * Returns undefined when absent or unparseable; a date in the past gives 0.
 */
export function parseRetryAfterMs(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  if (!/[a-z]/i.test(value)) return undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

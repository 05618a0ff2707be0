import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../lib/errors.js';
import {
  DEFAULT_RETRY_POLICY,
  backoffCeilingMs,
  isRetryableStatus,
  parseRetryAfterMs,
  resolveRetryPolicy,
  retryDelayMs,
} from '../../../../lib/adapters/kubernetes/retry-policy.js';

describe('isRetryableStatus', () => {
  it.each([
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [501, false],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [409, false],
    [422, false],
    [200, false],
  ])('%d → %s', (status, expected) => {
    expect(isRetryableStatus(status)).toBe(expected);
  });
});

describe('backoff', () => {
  const policy = { baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 };

  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
    [5, 1000], // 1600 capped
    [30, 1000],
  ])('ceiling before retry %d is %d ms', (retry, ceiling) => {
    expect(backoffCeilingMs(retry, policy)).toBe(ceiling);
  });

  it('full jitter spans [0, ceiling): random 0 waits nothing, random→1 waits just under the ceiling', () => {
    expect(retryDelayMs(3, policy, undefined, () => 0)).toBe(0);
    expect(retryDelayMs(3, policy, undefined, () => 0.999999)).toBe(399);
    expect(retryDelayMs(3, policy, undefined, () => 0.5)).toBe(200);
  });

  it('stays within bounds for many random draws', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    for (let retry = 1; retry <= 8; retry++) {
      for (let i = 0; i < 200; i++) {
        const delay = retryDelayMs(retry, policy, undefined, random);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(backoffCeilingMs(retry, policy));
      }
    }
  });

  it('honours Retry-After instead of jitter, capped at maxRetryAfterMs', () => {
    expect(retryDelayMs(1, policy, 2000, () => 0)).toBe(2000);
    expect(retryDelayMs(1, policy, 60_000, () => 0)).toBe(5000);
    expect(retryDelayMs(1, policy, 0, () => 0.9)).toBe(0);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it.each<[string | undefined, number | undefined]>([
    [undefined, undefined],
    ['1', 1000],
    [' 3 ', 3000],
    ['0', 0],
    ['Wed, 01 Jan 2025 00:00:05 GMT', 5000],
    ['Tue, 31 Dec 2024 23:59:00 GMT', 0], // in the past
    ['-1', undefined],
    ['1.5', undefined],
    ['soon', undefined],
  ])('%j → %j', (header, expected) => {
    expect(parseRetryAfterMs(header, now)).toBe(expected);
  });
});

describe('resolveRetryPolicy', () => {
  it('fills defaults and keeps overrides', () => {
    expect(resolveRetryPolicy({ maxAttempts: 2, baseDelayMs: undefined })).toEqual({
      ...DEFAULT_RETRY_POLICY,
      maxAttempts: 2,
    });
  });

  it('rejects nonsense with every problem listed', () => {
    try {
      resolveRetryPolicy({ maxAttempts: 0, requestTimeoutMs: -1 });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      const paths = (err as ValidationError).problems.map((p) => p.path).sort();
      expect(paths).toEqual(['maxAttempts', 'requestTimeoutMs']);
    }
  });
});

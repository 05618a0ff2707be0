import { describe, expect, it } from 'vitest';
import { hasToken, nextTokenAt, refillBucket, takeToken } from '../../../lib/health/token-bucket.js';

const config = { capacity: 3, refillPerHour: 6 }; // one token per 10 minutes

describe('token bucket', () => {
  it('starts full, allows `capacity` takes at once, then refuses', () => {
    const t = '2025-01-01T00:00:00.000Z';
    let bucket = undefined as ReturnType<typeof takeToken> | undefined;
    for (let i = 0; i < 3; i++) {
      expect(hasToken(bucket, config, t)).toBe(true);
      bucket = takeToken(bucket, config, t);
    }
    expect(hasToken(bucket, config, t)).toBe(false);
    expect(() => takeToken(bucket, config, t)).toThrow(RangeError);
    expect(nextTokenAt(bucket, config, t)).toBe('2025-01-01T00:10:00.000Z');
  });

  it.each([
    ['5 minutes', '2025-01-01T00:05:00.000Z', 0.5],
    ['10 minutes', '2025-01-01T00:10:00.000Z', 1],
    ['a day (capped at capacity)', '2025-01-02T00:00:00.000Z', 3],
    ['a clock that went backwards', '2024-12-31T23:00:00.000Z', 0],
  ])('refills over %s', (_label, now, tokens) => {
    const empty = { tokens: 0, updatedAt: '2025-01-01T00:00:00.000Z' };
    expect(refillBucket(empty, config, now).tokens).toBeCloseTo(tokens, 9);
  });

  it('survives a JSON round trip', () => {
    const bucket = takeToken(undefined, config, '2025-01-01T00:00:00.000Z');
    expect(JSON.parse(JSON.stringify(bucket))).toEqual(bucket);
  });
});

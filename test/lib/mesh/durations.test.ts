import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/errors.js';
import { istioDuration } from '../../../lib/mesh/durations.js';

describe('istioDuration', () => {
  it.each([
    [1, '0.001s'],
    [10, '0.01s'],
    [250, '0.25s'],
    [1000, '1s'],
    [1500, '1.5s'],
    [2_001, '2.001s'],
    [60_000, '60s'],
    [600_000, '600s'],
  ])('%i ms → %s', (millis, duration) => {
    expect(istioDuration(millis)).toBe(duration);
  });

  it('always uses the protobuf JSON form: seconds with an "s" suffix', () => {
    for (let ms = 1; ms <= 5_000; ms += 7) {
      const text = istioDuration(ms);
      expect(text).toMatch(/^\d+(\.\d{1,3})?s$/);
      expect(Math.round(Number(text.slice(0, -1)) * 1000)).toBe(ms);
    }
  });

  it.each([0, -1, 1.5])('rejects %s', (millis) => {
    expect(() => istioDuration(millis)).toThrow(ValidationError);
  });
});

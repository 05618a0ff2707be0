import { describe, expect, it } from 'vitest';
import { median, medianAbsoluteDeviation, quantile } from '../../../lib/health/robust-stats.js';

describe('robust statistics', () => {
  it.each([
    [[3, 1, 2], 2, 1],
    [[4, 1, 3, 2], 2.5, 1],
    [[1, 1, 1, 100], 1, 0],
    [[], Number.NaN, Number.NaN],
  ])('median and MAD of %j', (values, expectedMedian, expectedMad) => {
    expect(median(values)).toEqual(expectedMedian);
    expect(medianAbsoluteDeviation(values)).toEqual(expectedMad);
  });

  it.each([
    [0, 10],
    [0.5, 25],
    [0.95, 38.5],
    [1, 40],
  ])('quantile %d of [10, 20, 30, 40] is %d (linear interpolation)', (q, expected) => {
    expect(quantile([40, 10, 30, 20], q)).toBeCloseTo(expected, 9);
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    median(values);
    quantile(values, 0.5);
    expect(values).toEqual([3, 1, 2]);
  });
});

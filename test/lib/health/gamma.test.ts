import { describe, expect, it } from 'vitest';
import { gammaQuantile, logGamma, regularizedLowerGamma } from '../../../lib/health/gamma.js';

describe('logGamma', () => {
  it.each([
    [1, 0],
    [2, 0],
    [5, Math.log(24)],
    [0.5, Math.log(Math.sqrt(Math.PI))],
    [10.5, Math.log(1133278.3889487855)],
  ])('ln Γ(%d)', (x, expected) => {
    expect(logGamma(x)).toBeCloseTo(expected, 10);
  });
});

describe('regularizedLowerGamma', () => {
  it.each([
    // Shape 1 is the exponential distribution: P(1, x) = 1 − e^(−x).
    [1, 0.5, 1 - Math.exp(-0.5)],
    [1, 7, 1 - Math.exp(-7)],
    // Shape 2: P(2, x) = 1 − e^(−x)(1 + x).
    [2, 3, 1 - Math.exp(-3) * 4],
    // Shape 1/2: P(1/2, x) = erf(√x); erf(1) = 0.8427007929497149.
    [0.5, 1, 0.8427007929497149],
  ])('P(%d, %d)', (a, x, expected) => {
    expect(regularizedLowerGamma(a, x)).toBeCloseTo(expected, 12);
  });

  it('is 0 at 0 and refuses a non-positive shape', () => {
    expect(regularizedLowerGamma(3, 0)).toBe(0);
    expect(() => regularizedLowerGamma(0, 1)).toThrow(RangeError);
  });
});

describe('gammaQuantile', () => {
  it.each([
    // Exponential with rate 1000: q-quantile = −ln(1 − q) / 1000.
    [1, 1_000, 0.95, -Math.log(0.05) / 1_000],
    // χ² with 10 degrees of freedom is Gamma(5, 1/2); its 95% quantile is 18.307038.
    [5, 0.5, 0.95, 18.307038],
  ])('Gamma(%d, %d) at %d', (shape, rate, q, expected) => {
    expect(gammaQuantile(shape, rate, q)).toBeCloseTo(expected, 5);
  });

  it('inverts the CDF', () => {
    for (const [shape, q] of [[0.7, 0.3], [3.2, 0.9], [40, 0.99]]) {
      expect(regularizedLowerGamma(shape, gammaQuantile(shape, 1, q))).toBeCloseTo(q, 9);
    }
  });
});

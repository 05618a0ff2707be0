import { describe, expect, it } from 'vitest';
import { InvalidQuantityError, cpuMillis, memoryMiB, parseQuantity } from '../../../lib/sim/quantity.js';

describe('Kubernetes quantities', () => {
  it.each([
    ['100m', 'cpu', 100],
    ['0.25', 'cpu', 250],
    ['2', 'cpu', 2000],
    ['1500u', 'cpu', 2],
    ['128Mi', 'memory', 128],
    ['1Gi', 'memory', 1024],
    ['1G', 'memory', 1e9 / 2 ** 20],
    ['512Ki', 'memory', 0.5],
    ['1e9', 'memory', 1e9 / 2 ** 20],
  ])('%s as %s', (q, kind, expected) => {
    expect(kind === 'cpu' ? cpuMillis(q) : memoryMiB(q)).toBeCloseTo(expected, 9);
  });

  it.each(['', 'abc', '1Qi', '--1'])('rejects %j', (q) => {
    expect(() => parseQuantity(q)).toThrow(InvalidQuantityError);
  });
});

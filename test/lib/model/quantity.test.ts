import { describe, expect, it } from 'vitest';
import { InvalidQuantityError, cpuToMillicores, memoryToMiB, parseQuantity } from '../../../lib/model/quantity.js';

describe('cpuToMillicores', () => {
  it.each([
    ['4', 4000],
    ['3500m', 3500],
    ['0.5', 500],
    ['.25', 250],
    ['4.1', 4100], // 4.1 * 1000 in floating point is 4099.999…; exact arithmetic keeps 4100
    ['1e3', 1_000_000],
    ['15E-1', 1500],
    ['250000u', 250],
    ['1500000n', 1], // 1.5 millicores rounds down
    ['2k', 2_000_000],
    ['+3', 3000],
    ['7.', 7000],
  ])('%s → %d millicores', (quantity, expected) => {
    expect(cpuToMillicores(quantity)).toBe(expected);
  });
});

describe('memoryToMiB', () => {
  it.each([
    ['16Gi', 16 * 1024],
    ['16384Mi', 16384],
    ['1048576Ki', 1024],
    ['512M', 488], // 512e6 bytes = 488.28 MiB, rounded down
    ['1G', 953], // 1e9 / 2^20 = 953.67
    ['1073741824', 1024],
    ['1.5Gi', 1536],
    ['1e9', 953],
    ['1Ti', 1024 * 1024],
    ['1E', Math.floor(1e18 / 2 ** 20)], // "E" alone is the exa suffix, not an exponent
    ['1023Ki', 0],
  ])('%s → %d MiB', (quantity, expected) => {
    expect(memoryToMiB(quantity)).toBe(expected);
  });
});

describe('parseQuantity', () => {
  it('keeps exact fractions', () => {
    const q = parseQuantity('3500m');
    expect(Number(q.numerator) / Number(q.denominator)).toBe(3.5);
  });

  it('rounds negative values down, not toward zero', () => {
    expect(cpuToMillicores('-1500000n')).toBe(-2);
  });

  it.each(['', 'abc', '4 cores', '16GB', '1.2.3', 'Mi', '--1', '1e', '1e1000', '16gi', '1KI'])('rejects %j with InvalidQuantityError', (quantity) => {
    expect(() => parseQuantity(quantity)).toThrow(InvalidQuantityError);
  });
});

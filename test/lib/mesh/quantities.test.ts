import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/errors.js';
import { kubeQuantityCpu, kubeQuantityMemory, parseCpuMillis, parseMemoryMiB } from '../../../lib/mesh/quantities.js';

describe('kubeQuantityCpu', () => {
  it.each([
    [1, '1m'],
    [100, '100m'],
    [999, '999m'],
    [1000, '1'],
    [1500, '1500m'],
    [2000, '2'],
    [256_000, '256'],
  ])('%i millicores → %s', (millis, quantity) => {
    expect(kubeQuantityCpu(millis)).toBe(quantity);
    expect(parseCpuMillis(quantity)).toBe(millis);
  });

  it.each([0, -5, 2.5, Number.NaN])('rejects %s', (millis) => {
    expect(() => kubeQuantityCpu(millis)).toThrow(ValidationError);
  });
});

describe('kubeQuantityMemory', () => {
  it.each([
    [1, '1Mi'],
    [128, '128Mi'],
    [1000, '1000Mi'],
    [1024, '1Gi'],
    [1536, '1536Mi'],
    [4096, '4Gi'],
    [1_048_576, '1Ti'],
  ])('%i MiB → %s', (mib, quantity) => {
    expect(kubeQuantityMemory(mib)).toBe(quantity);
    expect(parseMemoryMiB(quantity)).toBe(mib);
  });

  it.each([0, -1, 0.5])('rejects %s', (mib) => {
    expect(() => kubeQuantityMemory(mib)).toThrow(ValidationError);
  });
});

describe('parsing quantities written by others', () => {
  it.each([
    ['0.5', 500],
    ['250m', 250],
    ['1.25', 1250],
    ['0.0001', 1], // rounded up: the scheduler never grants less than asked
  ])('CPU %s → %i millicores', (quantity, millis) => {
    expect(parseCpuMillis(quantity)).toBe(millis);
  });

  it.each([
    ['512Ki', 1],
    ['2048Ki', 2],
    ['1G', 954], // 10^9 bytes is 953.67 MiB
    ['134217728', 128],
    ['0.5Gi', 512],
  ])('memory %s → %i MiB', (quantity, mib) => {
    expect(parseMemoryMiB(quantity)).toBe(mib);
  });

  it.each(['', 'abc', '1 cpu', '-1', '100x'])('rejects CPU "%s"', (quantity) => {
    expect(() => parseCpuMillis(quantity)).toThrow(ValidationError);
  });

  it.each(['', '1Mb', '12 Mi', 'Gi'])('rejects memory "%s"', (quantity) => {
    expect(() => parseMemoryMiB(quantity)).toThrow(ValidationError);
  });
});

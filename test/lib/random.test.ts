import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../lib/random.js';

describe('mulberry32', () => {
  it('gives the reference sequence for a seed', () => {
    const next = mulberry32(42);
    expect([next(), next()]).toEqual([0.6011037519201636, 0.44829055899754167]);
  });

  it('repeats for the same seed and differs for another', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const c = mulberry32(8);
    const seqA = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(seqA);
    expect(Array.from({ length: 5 }, c)).not.toEqual(seqA);
  });

  it('stays in [0, 1) and is roughly uniform', () => {
    const next = mulberry32(1);
    const draws = Array.from({ length: 20_000 }, next);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    expect(mean).toBeGreaterThan(0.49);
    expect(mean).toBeLessThan(0.51);
    const lowTenth = draws.filter((x) => x < 0.1).length / draws.length;
    expect(lowTenth).toBeGreaterThan(0.09);
    expect(lowTenth).toBeLessThan(0.11);
  });
});

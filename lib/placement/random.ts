/**
 * Seeded pseudo-random numbers (mulberry32). Every randomised part of the optimizer draws from one of
 * these so that a seed reproduces a run exactly.
 */
import { mulberry32 } from '../random.js';

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/** A deterministic generator for `seed` (any 32-bit integer; other numbers are truncated). */
export function createRandom(seed: number): Random {
  const next = mulberry32(seed);
  return { next, int: (n) => Math.floor(next() * n) };
}

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<T>(items: T[] | Int32Array, random: Random): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp as never;
  }
}

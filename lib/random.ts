/**
 * mulberry32: a small, fast seeded pseudo-random generator. Everything randomised in meshplane (fault
 * injection, instance generation, synthetic series, benchmarks) draws from it, so a seed reproduces a
 * run exactly. Not for anything that needs unpredictability.
 *
 * @example
 * const next = mulberry32(42);
 * next(); // 0.6011037519201636, on every machine
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

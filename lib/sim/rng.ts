import { mulberry32 } from '../random.js';

/** A small seeded pseudo-random generator (mulberry32), so injected faults repeat from run to run. */
export class SeededRandom {
  private readonly draw: () => number;

  constructor(seed = 1) {
    this.draw = mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.draw();
  }
}

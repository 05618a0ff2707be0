/** Simulated time: the wall clock plus however far tests or the /sim API have moved it forward. */
export class SimClock {
  private offsetMs = 0;

  constructor(private readonly wall: () => number = Date.now) {}

  /** Current simulated time, ms since the epoch. */
  now(): number {
    return this.wall() + this.offsetMs;
  }

  /**
   * Wall-clock time, ms since the epoch: what timestamps written into objects use (creationTimestamp,
   * conditions, events, logs), so ages read as kubectl expects even when simulated time runs faster.
   */
  wallNow(): number {
    return this.wall();
  }

  /** Jumps simulated time forward. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`cannot move simulated time by ${ms} ms`);
    this.offsetMs += ms;
  }
}

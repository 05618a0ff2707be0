import type { Clock } from '../../lib/ports/clock.js';

/** A clock that stands still until told to move: timestamps in records become predictable. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: string | Date = '2030-01-01T00:00:00.000Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  /** Moves time forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.current += ms;
  }

  set(at: string | Date): void {
    this.current = new Date(at).getTime();
  }
}

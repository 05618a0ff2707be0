/**
 * Cumulative counters of one workload over simulated time: a ring buffer of samples taken at a fixed
 * resolution plus the live head, so `increase(x[Ns])` can be answered for any window within the
 * retention. Values between samples are linearly interpolated (rates are piecewise constant).
 */
export class CounterHistory {
  private readonly times: Float64Array;
  private readonly values: Float64Array;
  private start = 0;
  private count = 0;
  private readonly head: Float64Array;
  private headTime: number;

  /**
   * @param columns number of counters
   * @param startTime when the counters started at zero (ms)
   */
  constructor(
    readonly columns: number,
    startTime: number,
    private readonly resolutionMs: number,
    retentionMs: number,
  ) {
    const capacity = Math.max(2, Math.ceil(retentionMs / resolutionMs) + 1);
    this.times = new Float64Array(capacity);
    this.values = new Float64Array(capacity * columns);
    this.head = new Float64Array(columns);
    this.headTime = startTime;
    this.record();
  }

  /** Adds `deltas` to the counters at time `now` (ms, not before the previous call). */
  add(now: number, deltas: ArrayLike<number>): void {
    for (let c = 0; c < this.columns; c++) this.head[c] += deltas[c] ?? 0;
    this.headTime = Math.max(this.headTime, now);
    if (this.headTime - this.sampleTime(this.count - 1) >= this.resolutionMs) this.record();
  }

  /** Moves the head's time forward without counting anything. */
  touch(now: number): void {
    this.add(now, []);
  }

  /** Counter `column` at time `t` (ms); before the first sample, the first sample's value. */
  valueAt(column: number, t: number): number {
    if (t >= this.headTime) return this.head[column];
    if (t <= this.sampleTime(0)) return this.sampleValue(0, column);
    // Binary search for the last sample at or before t.
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.sampleTime(mid) <= t) lo = mid;
      else hi = mid - 1;
    }
    const t0 = this.sampleTime(lo);
    const v0 = this.sampleValue(lo, column);
    const [t1, v1] = lo + 1 < this.count ? [this.sampleTime(lo + 1), this.sampleValue(lo + 1, column)] : [this.headTime, this.head[column]];
    return t1 === t0 ? v1 : v0 + ((v1 - v0) * (t - t0)) / (t1 - t0);
  }

  /** Time of the live head (ms). */
  now(): number {
    return this.headTime;
  }

  private sampleTime(i: number): number {
    return this.times[(this.start + i) % this.times.length];
  }

  private sampleValue(i: number, column: number): number {
    return this.values[((this.start + i) % this.times.length) * this.columns + column];
  }

  private record(): void {
    const capacity = this.times.length;
    if (this.count === capacity) {
      this.start = (this.start + 1) % capacity;
      this.count--;
    }
    const slot = (this.start + this.count) % capacity;
    this.times[slot] = this.headTime;
    this.values.set(this.head, slot * this.columns);
    this.count++;
  }
}

import { describe, expect, it } from 'vitest';
import {
  ERROR_RATE_DETECTOR,
  LATENCY_DETECTOR,
  createDetectorState,
  updateDetector,
  type DetectorConfig,
  type DetectorState,
  type DetectorVerdict,
} from '../../../lib/health/anomaly-detector.js';
import { syntheticSeries } from '../../support/synthetic-series.js';

function run(
  values: readonly number[],
  config: DetectorConfig,
  state: DetectorState = createDetectorState(),
): { verdicts: DetectorVerdict[]; state: DetectorState } {
  const verdicts: DetectorVerdict[] = [];
  for (const value of values) {
    const verdict = updateDetector(state, value, config);
    verdicts.push(verdict);
    state = verdict.state;
  }
  return { verdicts, state };
}

const onsets = (verdicts: DetectorVerdict[]) => verdicts.flatMap((v, i) => (v.onset ? [i] : []));

describe('updateDetector', () => {
  it.each([
    ['error rate', 'errorRate', ERROR_RATE_DETECTOR],
    ['latency', 'latency', LATENCY_DETECTOR],
  ] as const)('raises no alarm on two days of noisy, seasonal %s', (_label, metric, config) => {
    for (const seed of [1, 2, 3]) {
      const { values } = syntheticSeries({ metric, points: 2 * 1_440, seed });
      expect(onsets(run(values, config).verdicts)).toEqual([]);
    }
  });

  it.each([
    ['error rate 1% → 2.5%', 'errorRate', ERROR_RATE_DETECTOR, 1.5],
    ['error rate 1% → 1.5% (about 3 noise widths)', 'errorRate', ERROR_RATE_DETECTOR, 0.5],
    ['latency +45%', 'latency', LATENCY_DETECTOR, 1.5],
    ['latency +25%', 'latency', LATENCY_DETECTOR, 0.83],
  ] as const)('detects a step of %s within 15 points', (_label, metric, config, magnitude) => {
    const start = 600;
    const { values } = syntheticSeries({ metric, points: 800, seed: 7, anomalies: [{ type: 'step', start, end: 800, magnitude }] });
    const found = onsets(run(values, config).verdicts);
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]).toBeGreaterThanOrEqual(start);
    expect(found[0] - start).toBeLessThanOrEqual(15);
  });

  it('flags a single spike at the spike, then clears after `clearAfter` normal points', () => {
    const values = [
      ...Array(100)
        .fill(0.01)
        .map((v, i) => v + (i % 2) * 0.001),
      0.2,
      ...Array(20).fill(0.0105),
    ];
    const { verdicts } = run(values, ERROR_RATE_DETECTOR);
    expect(onsets(verdicts)).toEqual([100]);
    expect(verdicts[100].score).toBeGreaterThan(ERROR_RATE_DETECTOR.zThreshold);
    const clearedAt = verdicts.findIndex((v, i) => i > 100 && !v.anomalous);
    expect(clearedAt).toBe(100 + ERROR_RATE_DETECTOR.clearAfter);
  });

  it('ignores decreases when the direction is "up", and flags them when it is "both"', () => {
    const values = [
      ...Array(60)
        .fill(0)
        .map((_, i) => 100 + (i % 3)),
      ...Array(5).fill(20),
    ];
    expect(onsets(run(values, { ...LATENCY_DETECTOR, transform: 'none', minScale: 1 }).verdicts)).toEqual([]);
    expect(onsets(run(values, { ...LATENCY_DETECTOR, transform: 'none', minScale: 1, direction: 'both' }).verdicts)).toEqual([60]);
  });

  it('gives no verdict during warm-up, even for wild values', () => {
    const values = [0.01, 0.9, 0.01, 0.01, 0.95];
    const { verdicts, state } = run(values, { ...ERROR_RATE_DETECTOR, warmupPoints: 10 });
    expect(verdicts.every((v) => v.warmingUp && !v.anomalous && v.expected === null)).toBe(true);
    expect(state.warmup).toHaveLength(5);
  });

  it('seeds the baseline with the median, so outliers in the warm-up do not shift it', () => {
    const warmup = [0.01, 0.011, 0.009, 0.5, 0.01, 0.012, 0.6, 0.01, 0.011, 0.009];
    const { state } = run(warmup, { ...ERROR_RATE_DETECTOR, warmupPoints: 10 });
    expect(state.level).toBeCloseTo(0.0105, 6);
    // The scale is floored at minScale (0.002); the MAD of these values is far below it.
    expect(state.scale).toBe(ERROR_RATE_DETECTOR.minScale);
  });

  it('floors the scale so that a perfectly flat series does not alarm on the first error', () => {
    const values = [...Array(40).fill(0), 0.001, 0.002];
    expect(onsets(run(values, ERROR_RATE_DETECTOR).verdicts)).toEqual([]);
  });

  it('skips missing points without changing state', () => {
    const { state } = run([0.01, 0.01, 0.01], { ...ERROR_RATE_DETECTOR, warmupPoints: 3 });
    const verdict = updateDetector(state, Number.NaN, ERROR_RATE_DETECTOR);
    expect(verdict.state).toBe(state);
    expect(verdict.onset).toBe(false);
  });

  it('continues identically after its state round-trips through JSON', () => {
    const { values } = syntheticSeries({ metric: 'latency', points: 900, seed: 5, anomalies: [{ type: 'step', start: 500, end: 700 }] });
    const whole = run(values, LATENCY_DETECTOR);
    const firstHalf = run(values.slice(0, 450), LATENCY_DETECTOR);
    const stored = JSON.parse(JSON.stringify(firstHalf.state)) as DetectorState;
    const secondHalf = run(values.slice(450), LATENCY_DETECTOR, stored);
    expect(secondHalf.state).toEqual(whole.state);
    expect(secondHalf.verdicts.map((v) => v.anomalous)).toEqual(whole.verdicts.slice(450).map((v) => v.anomalous));
    expect(onsets(secondHalf.verdicts).length).toBeGreaterThan(0);
  });

  it('does not modify the state it is given', () => {
    const state = createDetectorState();
    const snapshot = JSON.stringify(state);
    updateDetector(state, 0.5, ERROR_RATE_DETECTOR);
    expect(JSON.stringify(state)).toBe(snapshot);
  });
});

/**
 * Detection benchmark: precision, recall and detection delay of the health detectors on seeded
 * synthetic error-rate and latency series (1 point per minute, daily seasonality, realistic noise)
 * with injected steps, spikes and slow drifts. Compares the robust EWMA detector (with and without
 * its CUSUM test) with a naive static threshold. Prints one JSON line per detector, metric and
 * anomaly type.
 *
 *   npx tsx bench/detection.bench.ts
 */
import { performance } from 'node:perf_hooks';
import { ERROR_RATE_DETECTOR, LATENCY_DETECTOR, createDetectorState, updateDetector, type DetectorConfig } from '../lib/health/anomaly-detector.js';
import { quantile } from '../lib/health/robust-stats.js';
import { scatterAnomalies, syntheticSeries, type AnomalyType, type SeriesMetric } from '../test/support/synthetic-series.js';

const DAYS = 10;
const POINTS = DAYS * 1_440;
/** No anomaly in the first day: detectors warm up and the static threshold is tuned there. */
const WARMUP = 1_440;
const ANOMALIES_PER_SERIES = 10;
const SEEDS = [11, 23, 37, 41, 53];
/** Points after an anomaly ends during which an alarm onset still counts as detecting it. */
const GRACE_POINTS = 10;

/** A detector as the benchmark drives it: one boolean "alarm onset" per point. */
interface BenchDetector {
  name: string;
  run(values: readonly number[], metric: SeriesMetric): boolean[];
}

function ewmaDetector(name: string, configFor: (metric: SeriesMetric) => DetectorConfig): BenchDetector {
  return {
    name,
    run(values, metric) {
      const config = configFor(metric);
      let state = createDetectorState();
      return values.map((value) => {
        const verdict = updateDetector(state, value, config);
        state = verdict.state;
        return verdict.onset;
      });
    },
  };
}

/**
 * A static threshold as a team would set it after watching a quiet day: 1.5× the 99th percentile
 * of the first day (the benchmark injects no anomaly there), alarming on each upward crossing.
 */
const staticThreshold: BenchDetector = {
  name: 'staticThreshold',
  run(values) {
    const threshold = 1.5 * quantile(values.slice(0, 1_440), 0.99);
    let above = false;
    return values.map((value) => {
      const onset = value > threshold && !above;
      above = value > threshold;
      return onset;
    });
  },
};

const DETECTORS: BenchDetector[] = [
  staticThreshold,
  ewmaDetector('robustEwma', (m) => ({ ...(m === 'errorRate' ? ERROR_RATE_DETECTOR : LATENCY_DETECTOR), cusumThreshold: null })),
  ewmaDetector('robustEwmaCusum', (m) => (m === 'errorRate' ? ERROR_RATE_DETECTOR : LATENCY_DETECTOR)),
];

interface Tally {
  onsets: number;
  trueOnsets: number;
  anomalies: number;
  detected: number;
  delays: number[];
  points: number;
  millis: number;
}

function evaluate(detector: BenchDetector, metric: SeriesMetric, type: AnomalyType): Tally {
  const tally: Tally = { onsets: 0, trueOnsets: 0, anomalies: 0, detected: 0, delays: [], points: 0, millis: 0 };
  for (const seed of SEEDS) {
    const anomalies = scatterAnomalies({ type, count: ANOMALIES_PER_SERIES, points: POINTS, warmup: WARMUP, seed: seed * 7 + 1 });
    const series = syntheticSeries({ metric, points: POINTS, seed, anomalies });
    const started = performance.now();
    const onsets = detector.run(series.values, metric);
    tally.millis += performance.now() - started;
    tally.points += series.values.length;
    const firstDetection = new Map<number, number>();
    onsets.forEach((onset, t) => {
      if (!onset) return;
      tally.onsets += 1;
      const hit = anomalies.findIndex((a) => t >= a.start && t < a.end + GRACE_POINTS);
      if (hit >= 0) {
        tally.trueOnsets += 1;
        if (!firstDetection.has(hit)) firstDetection.set(hit, t - anomalies[hit].start);
      }
    });
    tally.anomalies += anomalies.length;
    tally.detected += firstDetection.size;
    tally.delays.push(...firstDetection.values());
  }
  return tally;
}

function round(value: number, digits = 3): number | null {
  if (!Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

for (const metric of ['errorRate', 'latency'] as const) {
  for (const type of ['step', 'spike', 'drift'] as const) {
    for (const detector of DETECTORS) {
      const t = evaluate(detector, metric, type);
      const falseOnsets = t.onsets - t.trueOnsets;
      console.log(
        JSON.stringify({
          bench: 'detection',
          detector: detector.name,
          metric,
          anomaly: type,
          anomalies: t.anomalies,
          precision: round(t.onsets === 0 ? Number.NaN : t.trueOnsets / t.onsets),
          recall: round(t.detected / t.anomalies),
          meanDelayPoints: round(t.delays.reduce((s, d) => s + d, 0) / t.delays.length, 1),
          p95DelayPoints: round(quantile(t.delays, 0.95), 1),
          falseAlarmsPerDay: round(falseOnsets / (t.points / 1_440), 2),
          microsPerPoint: round((t.millis * 1_000) / t.points, 2),
        }),
      );
    }
  }
}

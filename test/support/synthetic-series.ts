/**
 * Seeded synthetic metric series with known, injected anomalies, for evaluating detectors (the
 * detection benchmark and tests). One point per minute; daily seasonality; realistic noise.
 */
import { mulberry32 } from '../../lib/random.js';

/** Deterministic uniform [0, 1) generator (mulberry32). */
export const seededRandom: (seed: number) => () => number = mulberry32;

/** Standard normal draw (Box–Muller). */
export function gaussian(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export type SeriesMetric = 'errorRate' | 'latency';
export type AnomalyType = 'step' | 'spike' | 'drift';

/** An injected anomaly covering points [start, end). */
export interface InjectedAnomaly {
  type: AnomalyType;
  start: number;
  end: number;
  /** Multiplies the type's default magnitude (1 when absent). */
  magnitude?: number;
}

export interface SyntheticSeries {
  metric: SeriesMetric;
  values: number[];
  anomalies: InjectedAnomaly[];
}

export interface SeriesOptions {
  metric: SeriesMetric;
  points: number;
  seed: number;
  /** Anomalies to inject; effects add up where they overlap. */
  anomalies?: InjectedAnomaly[];
  /** Relative amplitude of the daily cycle (0.3 = ±30%). */
  seasonality?: number;
  /** Scales the anomaly magnitudes (1 = the defaults below). */
  severity?: number;
}

const POINTS_PER_DAY = 1_440;
const BASE_ERROR_RATE = 0.01;
const BASE_REQUESTS_PER_MINUTE = 3_000;
const BASE_LATENCY_MS = 120;
const LATENCY_LOG_NOISE = 0.08;

/** How much each anomaly type adds at full effect: error rate in absolute terms, latency as a factor. */
const MAGNITUDE: Record<SeriesMetric, Record<AnomalyType, number>> = {
  errorRate: { step: 0.01, spike: 0.03, drift: 0.02 },
  latency: { step: 0.3, spike: 1, drift: 0.5 },
};

/** Builds a series: seasonal baseline, noise matching the metric, and the injected anomalies. */
export function syntheticSeries(options: SeriesOptions): SyntheticSeries {
  const random = seededRandom(options.seed);
  const seasonality = options.seasonality ?? 0.3;
  const severity = options.severity ?? 1;
  const anomalies = options.anomalies ?? [];
  const values: number[] = [];
  for (let t = 0; t < options.points; t++) {
    const season = 1 + seasonality * Math.sin((2 * Math.PI * t) / POINTS_PER_DAY);
    let effect = 0;
    for (const a of anomalies) effect += anomalyEffect(a, t) * MAGNITUDE[options.metric][a.type] * (a.magnitude ?? 1) * severity;
    if (options.metric === 'errorRate') {
      // Binomial noise of a rate measured over the minute's requests (normal approximation).
      const requests = BASE_REQUESTS_PER_MINUTE * season;
      const p = Math.min(1, BASE_ERROR_RATE * season + effect);
      values.push(Math.max(0, p + gaussian(random) * Math.sqrt((p * (1 - p)) / requests)));
    } else {
      values.push(BASE_LATENCY_MS * season * (1 + effect) * Math.exp(gaussian(random) * LATENCY_LOG_NOISE));
    }
  }
  return { metric: options.metric, values, anomalies };
}

/** 0..1: how much of an anomaly's full effect applies at point t. Drifts ramp up linearly over their window. */
function anomalyEffect(anomaly: InjectedAnomaly, t: number): number {
  if (t < anomaly.start || t >= anomaly.end) return 0;
  if (anomaly.type !== 'drift') return 1;
  return (t - anomaly.start + 1) / (anomaly.end - anomaly.start);
}

/**
 * Places `count` anomalies of one type at random, non-overlapping positions after `warmup` points,
 * each with a random magnitude between 0.5 and 1.5 times the default.
 */
export function scatterAnomalies(options: { type: AnomalyType; count: number; points: number; warmup: number; seed: number }): InjectedAnomaly[] {
  const random = seededRandom(options.seed);
  const length = { step: 60, spike: 2, drift: 180 }[options.type];
  const gap = 240;
  const slots = Math.floor((options.points - options.warmup) / (length + gap));
  if (slots < options.count) throw new RangeError(`${options.count} ${options.type} anomalies do not fit in ${options.points} points`);
  const chosen = new Set<number>();
  while (chosen.size < options.count) chosen.add(Math.floor(random() * slots));
  return [...chosen]
    .sort((a, b) => a - b)
    .map((slot) => {
      const start = options.warmup + slot * (length + gap) + gap / 2;
      return { type: options.type, start, end: start + length, magnitude: 0.5 + random() };
    });
}

import { MAD_TO_SIGMA, median, medianAbsoluteDeviation } from './robust-stats.js';

/**
 * Streaming anomaly detector for one metric series (a service's error rate or p99 latency, one point
 * per evaluation interval). Why this design, and not Holt-Winters, is in lib/health/README.md.
 *
 * - Warm-up: the first `warmupPoints` values seed the baseline with their median and MAD, so a
 *   service that starts in a bad state or with outliers does not poison the baseline.
 * - Baseline: an EWMA of the level and of the absolute residual (a scale estimate). Residuals are
 *   clipped to `clip` scales before they update the level (Huber-style), so a spike barely moves
 *   it, and the scale is not updated by anomalous points, so a long incident does not widen the band.
 * - Tests: a point is anomalous when its standardized residual exceeds `zThreshold` (spikes, large
 *   steps) or when a one-sided CUSUM of standardized residuals exceeds `cusumThreshold` (small
 *   steps and slow drifts that no single point reveals).
 * - The detector's alarm clears after `clearAfter` consecutive normal points (hysteresis).
 *
 * State is plain JSON data so it can be stored between Lambda invocations.
 */
export interface DetectorConfig {
  /** Points used to seed the baseline; no verdicts are given before. */
  warmupPoints: number;
  /** Smoothing of the level, 0..1 (larger adapts faster and also forgets anomalies faster). */
  alpha: number;
  /** Smoothing of the scale, 0..1. */
  scaleAlpha: number;
  /** Standardized residual that makes a single point anomalous. */
  zThreshold: number;
  /** Residuals are clipped to this many scales before updating the level. */
  clip: number;
  /** CUSUM reference value k, in scales: deviations below it do not accumulate. */
  cusumDrift: number;
  /** CUSUM decision interval h, in scales; `null` disables the CUSUM test. */
  cusumThreshold: number | null;
  /** Floor for the scale in transformed units (e.g. 0.002 = 0.2 percentage points of error rate). */
  minScale: number;
  /** Floor for the scale as a fraction of the level's magnitude. */
  relativeMinScale: number;
  /** Which deviations matter: for error rate and latency only increases are bad. */
  direction: 'up' | 'both';
  /** `log` suits series whose noise grows with their level (latency). */
  transform: 'none' | 'log';
  /** Consecutive normal points that clear the alarm. */
  clearAfter: number;
}

/** Defaults for an error-rate series (fraction 0..1, one point per minute). */
export const ERROR_RATE_DETECTOR: DetectorConfig = {
  warmupPoints: 30,
  alpha: 0.03,
  scaleAlpha: 0.02,
  zThreshold: 5,
  clip: 2,
  cusumDrift: 0.75,
  cusumThreshold: 10,
  minScale: 0.002,
  relativeMinScale: 0.1,
  direction: 'up',
  transform: 'none',
  clearAfter: 5,
};

/** Defaults for a p99 latency series (milliseconds, one point per minute). */
export const LATENCY_DETECTOR: DetectorConfig = {
  ...ERROR_RATE_DETECTOR,
  minScale: 0.03,
  relativeMinScale: 0,
  transform: 'log',
};

/** Serializable detector state. Create with {@link createDetectorState}. */
export interface DetectorState {
  version: 1;
  /** Finite points seen. */
  count: number;
  /** Transformed values collected during warm-up; emptied when the baseline is seeded. */
  warmup: number[];
  /** Baseline level in transformed units; null while warming up. */
  level: number | null;
  /** Baseline scale (a standard deviation estimate) in transformed units; null while warming up. */
  scale: number | null;
  cusumUp: number;
  cusumDown: number;
  anomalous: boolean;
  normalStreak: number;
}

/** The detector's view of one point. */
export interface DetectorVerdict {
  state: DetectorState;
  warmingUp: boolean;
  /** Standardized residual of this point against the baseline before it; 0 while warming up. */
  score: number;
  /** This point on its own breached a test. */
  pointAnomalous: boolean;
  /** The detector's alarm after this point. */
  anomalous: boolean;
  /** The alarm began at this point. */
  onset: boolean;
  /** Baseline before this point, in the series' own units; null while warming up. */
  expected: number | null;
}

/** CUSUM increments are capped so that a single huge spike cannot trip the CUSUM test on its own. */
const CUSUM_STEP_CAP = 4;
/** For normal data, E|x - mean| = sigma * sqrt(2 / pi). */
const ABS_DEVIATION_TO_SIGMA = Math.sqrt(Math.PI / 2);

export function createDetectorState(): DetectorState {
  return { version: 1, count: 0, warmup: [], level: null, scale: null, cusumUp: 0, cusumDown: 0, anomalous: false, normalStreak: 0 };
}

/** Feeds one value; returns the verdict and the next state. Does not modify `state`. Non-finite values are skipped. */
export function updateDetector(state: DetectorState, value: number, config: DetectorConfig): DetectorVerdict {
  const x = transform(value, config);
  if (!Number.isFinite(x)) return verdict(state, config, { warmingUp: state.level === null, score: 0, pointAnomalous: false, onset: false });

  if (state.level === null || state.scale === null) {
    const warmup = [...state.warmup, x];
    if (warmup.length < config.warmupPoints) {
      return verdict({ ...state, count: state.count + 1, warmup }, config, { warmingUp: true, score: 0, pointAnomalous: false, onset: false });
    }
    const level = median(warmup);
    const scale = floorScale(MAD_TO_SIGMA * medianAbsoluteDeviation(warmup), level, config);
    return verdict({ ...state, count: state.count + 1, warmup: [], level, scale }, config, {
      warmingUp: false,
      score: 0,
      pointAnomalous: false,
      onset: false,
    });
  }

  const { level, scale } = state;
  const residual = x - level;
  const score = residual / scale;
  const capped = Math.min(Math.max(score, -CUSUM_STEP_CAP), CUSUM_STEP_CAP);
  const useCusum = config.cusumThreshold !== null;
  const cusumUp = useCusum ? Math.max(0, state.cusumUp + capped - config.cusumDrift) : 0;
  const cusumDown = useCusum && config.direction === 'both' ? Math.max(0, state.cusumDown - capped - config.cusumDrift) : 0;

  const breachesZ = config.direction === 'up' ? score > config.zThreshold : Math.abs(score) > config.zThreshold;
  const breachesCusum = config.cusumThreshold !== null && Math.max(cusumUp, cusumDown) > config.cusumThreshold;
  const pointAnomalous = breachesZ || breachesCusum;

  const clippedResidual = Math.min(Math.max(residual, -config.clip * scale), config.clip * scale);
  const nextLevel = level + config.alpha * clippedResidual;
  const nextScale = pointAnomalous
    ? scale
    : floorScale((1 - config.scaleAlpha) * scale + config.scaleAlpha * ABS_DEVIATION_TO_SIGMA * Math.abs(clippedResidual), nextLevel, config);

  const normalStreak = pointAnomalous ? 0 : state.normalStreak + 1;
  const anomalous = pointAnomalous || (state.anomalous && normalStreak < config.clearAfter);
  const cleared = state.anomalous && !anomalous;
  const next: DetectorState = {
    ...state,
    count: state.count + 1,
    level: nextLevel,
    scale: nextScale,
    // After an incident clears, accumulated evidence is spent; start the CUSUM afresh.
    cusumUp: cleared ? 0 : cusumUp,
    cusumDown: cleared ? 0 : cusumDown,
    anomalous,
    normalStreak,
  };
  return {
    state: next,
    warmingUp: false,
    score,
    pointAnomalous,
    anomalous,
    onset: anomalous && !state.anomalous,
    expected: untransform(level, config),
  };
}

function verdict(
  state: DetectorState,
  config: DetectorConfig,
  parts: Pick<DetectorVerdict, 'warmingUp' | 'score' | 'pointAnomalous' | 'onset'>,
): DetectorVerdict {
  return { state, ...parts, anomalous: state.anomalous, expected: state.level === null ? null : untransform(state.level, config) };
}

function floorScale(scale: number, level: number, config: DetectorConfig): number {
  return Math.max(scale, config.minScale, config.relativeMinScale * Math.abs(level));
}

function transform(value: number, config: DetectorConfig): number {
  if (!Number.isFinite(value)) return Number.NaN;
  // Latency of 0 ms happens with no traffic; treat it as 1 µs rather than -Infinity.
  return config.transform === 'log' ? Math.log(Math.max(value, 1e-3)) : value;
}

function untransform(value: number, config: DetectorConfig): number {
  return config.transform === 'log' ? Math.exp(value) : value;
}

/**
 * The latency half of the sequential analysis: canary against stable on request-duration histogram
 * buckets (Istio's `istio_request_duration_milliseconds_bucket`). Pure.
 *
 * Method. At the first interval with requests, the bucket bound nearest (on a log scale) to the p90 of
 * canary and stable pooled is fixed as the rollout's "slow" line B. A request slower than B is an event;
 * the canary's share of slow requests is compared with stable's by the same conditional-binomial
 * mixture test as errors (`sequential.ts`). The tolerated regression is a latency ratio ρ
 * (`maxLatencyRatio`): a canary ρ times slower than stable has the share of slow requests that stable
 * has above B/ρ, read from its buckets (interpolated as log-normal between bounds). So:
 * - null hypothesis: the canary's slow share is at most θ0 = share(B/ρ) / share(B) times stable's, both
 *   from the pooled buckets (which do not tell canary from stable), θ0 ≥ 1. The test is anytime-valid for
 *   every canary no slower than stable (exactly), and holds a canary within the tolerance to about α;
 * - `regression`: its e-value reaches 1/α (a slowdown beyond ρ is significant);
 * - `bounded`: the anytime-valid upper bound on the canary's slow share is at most stable's share above
 *   B/ρ: the canary is at most ρ times slower around stable's p90.
 * A metrics source without buckets (CloudWatch as configured today) gives no latency evidence: latency
 * is then judged by the `maxP99LatencyMs` guard alone.
 */
import type { LatencyHistogram } from '../ports/metrics-source.js';
import { asRegressionTest, evidenceValue, NEW_REGRESSION_TEST, rateUpperBound, updateRegressionTest, type RegressionTest } from './sequential.js';

/** Cumulative bucket counts summed over the intervals seen: [le in ms, requests at or below it]. */
export type Buckets = [number, number][];

/** The latency evidence of a rollout so far (stored on the step record with the error evidence). */
export interface LatencyEvidence {
  /** B: requests slower than this bucket bound (ms) are "slow". */
  slowerThanMs: number;
  canary: { requests: number; slow: number; buckets: Buckets };
  stable: { requests: number; slow: number; buckets: Buckets };
  test: RegressionTest;
}

/** What the latency evidence says, and the figures behind it. */
export interface LatencyWeight {
  outcome: 'regression' | 'bounded' | 'open';
  /** The evidence leans towards a slowdown beyond the tolerance (its e-value is above 1), not necessarily significantly. */
  canaryWorse: boolean;
  reason: string;
  statistic: {
    slowerThanMs: number;
    canarySlowShare: number;
    stableSlowShare: number;
    /** e-value of a slowdown beyond the tolerance, and the 1/α it must reach. */
    evidence: number;
    evidenceNeeded: number;
    /** Anytime-valid upper bound on the canary's slow share, and the share a canary ρ times slower than stable would have. */
    canarySlowShareUpper: number;
    toleratedSlowShare: number;
    maxLatencyRatio: number;
  };
}

/** Quantile the slow line is placed at. */
const SLOW_QUANTILE = 0.9;

/** Adds a histogram's buckets to cumulative ones (matched by bound). */
function addBuckets(sum: Buckets, h: LatencyHistogram): Buckets {
  const byLe = new Map(sum);
  for (const { le, count } of h.buckets) if (Number.isFinite(le)) byLe.set(le, (byLe.get(le) ?? 0) + Math.max(0, count));
  return [...byLe.entries()].sort((a, b) => a[0] - b[0]);
}

function sumBuckets(a: Buckets, b: Buckets): Buckets {
  return addBuckets(a, { buckets: b.map(([le, count]) => ({ le, count })), count: 0 });
}

/**
 * Requests at or below `ms`: exact at a bound; between two bounds, interpolated as if latency were
 * log-normal there (the probit of the cumulative share linear in log ms), which tracks real latency
 * curves much better than a straight line across Istio's factor-2 buckets; log-linear where a share is 0
 * or 1, linear below the first bound.
 */
export function countAtOrBelow(buckets: Buckets, total: number, ms: number): number {
  let lower: [number, number] = [0, 0];
  for (const [le, count] of buckets) {
    if (ms === le) return count;
    if (ms < le) {
      const [l, c] = lower;
      const f = l > 0 ? Math.log(ms / l) / Math.log(le / l) : ms / le;
      const t = Math.min(1, Math.max(0, f));
      const [fl, fu] = [c / total, count / total];
      if (l > 0 && fl > 0 && fu < 1 && fu > fl) return total * normalCdf(probit(fl) + (probit(fu) - probit(fl)) * t);
      return c + (count - c) * t;
    }
    lower = [le, count];
  }
  return Math.min(total, lower[1]);
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 on erf, |error| < 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Inverse of the standard normal CDF for 0 < p < 1 (Acklam's rational approximation, relative error < 1.2e-9). */
function probit(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -probit(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Share of `total` requests slower than `ms`. */
export function shareAbove(buckets: Buckets, total: number, ms: number): number {
  return total > 0 ? Math.min(1, Math.max(0, 1 - countAtOrBelow(buckets, total, ms) / total)) : 0;
}

/** The bucket bound nearest, on a log scale, to the quantile q of the histogram; undefined without requests. */
export function slowLine(buckets: Buckets, total: number, q = SLOW_QUANTILE): number | undefined {
  if (total <= 0 || buckets.length === 0) return undefined;
  const rank = q * total;
  let lower: [number, number] = [0, 0];
  let quantile: number | undefined;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      const [l, c] = lower;
      quantile = l + ((le - l) * (rank - c)) / Math.max(count - c, 1e-9);
      break;
    }
    lower = [le, count];
  }
  // Beyond the largest finite bound: that bound is the best line there is.
  const target = quantile ?? buckets[buckets.length - 1][0];
  return buckets.reduce(
    (best, [le]) => (Math.abs(Math.log(le / Math.max(target, 1e-9))) < Math.abs(Math.log(best / Math.max(target, 1e-9))) ? le : best),
    buckets[0][0],
  );
}

function slowCount(h: LatencyHistogram, line: number): number {
  const atLine = h.buckets.find((b) => b.le === line)?.count ?? 0;
  return Math.max(0, h.count - atLine);
}

/**
 * Adds one interval's histograms to the latency evidence. `undefined` while neither workload has a
 * histogram with requests (no buckets from the metrics source, or no traffic yet).
 */
export function addLatencyInterval(
  evidence: LatencyEvidence | undefined,
  canary: LatencyHistogram | undefined,
  stable: LatencyHistogram | undefined,
  maxLatencyRatio: number,
): LatencyEvidence | undefined {
  if (!canary || !stable || canary.count <= 0 || stable.count <= 0) return evidence;
  const pooled = addBuckets(addBuckets([], canary), stable);
  const slowerThanMs = evidence?.slowerThanMs ?? slowLine(pooled, canary.count + stable.count);
  if (slowerThanMs === undefined) return evidence;
  const c = { requests: canary.count, slow: slowCount(canary, slowerThanMs) };
  const s = { requests: stable.count, slow: slowCount(stable, slowerThanMs) };
  const canaryBuckets = addBuckets(evidence?.canary.buckets ?? [], canary);
  const stableBuckets = addBuckets(evidence?.stable.buckets ?? [], stable);
  const canaryTotal = (evidence?.canary.requests ?? 0) + c.requests;
  const stableTotal = (evidence?.stable.requests ?? 0) + s.requests;
  // The null's ratio from the pooled buckets so far (label-free): stable ρ times slower, over stable.
  const allBuckets = sumBuckets(canaryBuckets, stableBuckets);
  const all = canaryTotal + stableTotal;
  const atLine = shareAbove(allBuckets, all, slowerThanMs);
  const nullRatio = atLine > 0 ? Math.max(1, shareAbove(allBuckets, all, slowerThanMs / maxLatencyRatio) / atLine) : 1;
  return {
    slowerThanMs,
    canary: { requests: canaryTotal, slow: (evidence?.canary.slow ?? 0) + c.slow, buckets: canaryBuckets },
    stable: { requests: stableTotal, slow: (evidence?.stable.slow ?? 0) + s.slow, buckets: stableBuckets },
    test: updateRegressionTest(
      asRegressionTest(evidence?.test ?? NEW_REGRESSION_TEST),
      { requests: c.requests, events: c.slow },
      { requests: s.requests, events: s.slow },
      {
        nullRatio,
      },
    ),
  };
}

/** Weighs the latency evidence at level α (see the module comment). */
export function weighLatency(evidence: LatencyEvidence, alpha: number, maxLatencyRatio: number): LatencyWeight {
  const { canary, stable, slowerThanMs } = evidence;
  const eValue = evidenceValue(asRegressionTest(evidence.test));
  const canaryShare = canary.requests > 0 ? canary.slow / canary.requests : 0;
  const stableShare = stable.requests > 0 ? stable.slow / stable.requests : 0;
  const tolerated = shareAbove(stable.buckets, stable.requests, slowerThanMs / maxLatencyRatio);
  const upper = rateUpperBound({ requests: canary.requests, events: canary.slow }, alpha, tolerated);
  const statistic = {
    slowerThanMs,
    canarySlowShare: round(canaryShare),
    stableSlowShare: round(stableShare),
    evidence: round(eValue),
    evidenceNeeded: round(1 / alpha),
    canarySlowShareUpper: round(upper),
    toleratedSlowShare: round(tolerated),
    maxLatencyRatio,
  };
  const seen = `${percent(canaryShare)} of canary requests slower than ${slowerThanMs} ms against ${percent(stableShare)} of stable's`;
  const level = `${percent(1 - alpha)} anytime-valid`;
  const canaryWorse = eValue > 1;
  if (eValue >= 1 / alpha)
    return {
      outcome: 'regression',
      canaryWorse,
      reason: `latency is significantly higher on the canary, beyond ${maxLatencyRatio}× stable's: ${seen}; the sequential test's evidence is ${formatEvidence(eValue)}, beyond the ${round(1 / alpha)} needed (${level})`,
      statistic,
    };
  if (upper <= tolerated)
    return {
      outcome: 'bounded',
      canaryWorse,
      reason: `no latency regression beyond ${maxLatencyRatio}× stable's: ${seen}; at most ${percent(upper)} of canary requests are that slow, within the ${percent(tolerated)} of a canary ${maxLatencyRatio}× slower (${level})`,
      statistic,
    };
  return {
    outcome: 'open',
    canaryWorse,
    reason: `latency not yet judged either way: ${seen}; up to ${percent(upper)} of canary requests may be that slow (tolerated ${percent(tolerated)}, ${level})`,
    statistic,
  };
}

function formatEvidence(e: number): string {
  return e >= 1e6 ? e.toExponential(1) : String(round(e));
}

function percent(rate: number): string {
  return `${Number((rate * 100).toFixed(2))}%`;
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}

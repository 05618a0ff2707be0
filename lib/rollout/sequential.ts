/**
 * Anytime-valid statistics for canary analysis: confidence sequences from beta-binomial mixture
 * martingales (Robbins; Howard, Ramdas, McAuliffe & Sekhon 2021). A confidence sequence holds at every
 * moment at once, so a rollout may look after every interval and stop at any of them, and the chance
 * that it ever excludes the truth stays below α (Ville's inequality). Pure.
 *
 * Events (errors, or requests slower than a histogram bucket) are counted, not averaged:
 * - {@link updateRegressionTest} / {@link logEvidence}: canary against baseline, a mixture sequential
 *   probability ratio test of "the canary's event rate is no higher than the baseline's" (conditional
 *   binomial, as Lindon et al. 2022 for Poisson counts); significant once its e-value reaches 1/α.
 * - {@link rateUpperBound}: an upper bound on one workload's event rate (how bad the canary can still be).
 */

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error below 1e-13). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const c = [
    0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406, 12.507343278686905, -0.13857109526572012,
    9.984369578019572e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let sum = c[0];
  for (let i = 1; i < 9; i++) sum += c[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

function lnBeta(a: number, b: number): number {
  return lnGamma(a) + lnGamma(b) - lnGamma(a + b);
}

/** A beta prior over a probability: its mean and strength (a + b). */
export interface BetaPrior {
  a: number;
  b: number;
}

/** A beta prior with this mean and strength (pseudo-observations). */
export function betaPrior(mean: number, strength: number): BetaPrior {
  const m = Math.min(Math.max(mean, 1e-9), 1 - 1e-9);
  return { a: m * strength, b: (1 - m) * strength };
}

/**
 * ln of the mixture martingale for H0: p = p0 after `s` successes and `f` failures of Bernoulli trials
 * (Beta(a, b) mixture): ln B(a + s, b + f) − ln B(a, b) − s ln p0 − f ln(1 − p0).
 */
export function logMixture(s: number, f: number, prior: BetaPrior, p0: number): number {
  const lp = s > 0 ? s * Math.log(p0) : 0;
  const lq = f > 0 ? f * Math.log1p(-p0) : 0;
  return lnBeta(prior.a + s, prior.b + f) - lnBeta(prior.a, prior.b) - lp - lq;
}

/**
 * The confidence sequence for p after `s` successes and `f` failures: every p0 whose mixture stays below
 * 1/α. It is an interval around the maximum-likelihood estimate, found by bisection on each side.
 */
export function confidenceInterval(s: number, f: number, prior: BetaPrior, alpha: number): { lower: number; upper: number } {
  const limit = Math.log(1 / alpha);
  const inside = (p: number) => logMixture(s, f, prior, p) < limit;
  // The mixture is smallest near the posterior mode; start from the estimate, clamped inside (0, 1).
  const centre = Math.min(Math.max((s + prior.a) / (s + f + prior.a + prior.b), 1e-12), 1 - 1e-12);
  const edge = (outside: number) => {
    if (inside(outside)) return outside;
    let lo = centre;
    let hi = outside;
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (inside(mid)) lo = mid;
      else hi = mid;
    }
    return lo;
  };
  return { lower: edge(0), upper: edge(1) };
}

/** Events and requests of one workload over some time. */
export interface EventCounts {
  requests: number;
  events: number;
}

/**
 * Ratios g the regression test mixes over: the alternative "the canary's rate is g times the largest
 * tolerated" for g = 2^(1/8) … 16. A regression near any of them builds evidence; a canary within the
 * tolerance builds none.
 */
export const RATIO_GRID: readonly number[] = Array.from({ length: 32 }, (_, j) => 2 ** ((j + 1) / 8));

/**
 * Where the prior over {@link RATIO_GRID} puts most of its weight: a ratio of 1.75 over the null, with a
 * spread (standard deviation of log2 g) of 0.15, i.e. 1.58–1.94. A mixture pays for every alternative it
 * spreads weight over; put where the regressions that matter are (about double the baseline, or beyond
 * the tolerated latency), it found a doubled error rate at 1 % and 10 rps within 5 minutes in 91 % of the
 * benchmark's runs against 84 % with equal weights over 2^(1/8) … 4 (bench/analysis.bench.ts).
 */
export const PRIOR_CENTRE = 1.75;
const PRIOR_SPREAD_LOG2 = 0.15;
/** Share of the prior spread evenly over the whole grid, so that a regression far from the centre still counts. */
const PRIOR_FLOOR = 0.05;

/**
 * The running regression test: the e-value gathered so far, and per ratio of {@link RATIO_GRID} the ln of
 * its likelihood ratio (what the mixture's weights for the next interval come from).
 */
export interface RegressionTest {
  logE: number;
  logLr: number[];
}

export const NEW_REGRESSION_TEST: RegressionTest = { logE: 0, logLr: RATIO_GRID.map(() => 0) };

/** A stored test, or a new one for anything else (a test stored in an older shape starts again). */
export function asRegressionTest(stored: unknown): RegressionTest {
  const t = stored as RegressionTest | undefined;
  return t && typeof t === 'object' && typeof t.logE === 'number' && Array.isArray(t.logLr) && t.logLr.length === RATIO_GRID.length ? t : NEW_REGRESSION_TEST;
}

/**
 * ln of the prior weights over {@link RATIO_GRID}: log-normal around `centre` (a ratio over the null,
 * clamped into the grid) with a floor, normalised.
 */
export function logPriorAround(centre: number): number[] {
  const c = Math.log2(Math.min(Math.max(centre, RATIO_GRID[0]), RATIO_GRID[RATIO_GRID.length - 1]));
  const bell = RATIO_GRID.map((g) => Math.exp(-((Math.log2(g) - c) ** 2) / (2 * PRIOR_SPREAD_LOG2 ** 2)));
  const total = bell.reduce((a, b) => a + b, 0);
  return bell.map((b) => Math.log((1 - PRIOR_FLOOR) * (b / total) + PRIOR_FLOOR / RATIO_GRID.length));
}

/** What the test holds the canary to for one interval. */
export interface RegressionNull {
  /** θ0 ≥ 1: the null hypothesis is "the canary's rate is at most θ0 times the baseline's". Default 1. */
  nullRatio?: number;
  /** The ratio over θ0 the prior is centred on; default {@link PRIOR_CENTRE}. */
  centre?: number;
}

/**
 * Adds one interval to the regression test. Given the interval's events, each is the canary's with
 * probability p(θ) = θr / (θr + 1), r = canary requests / baseline requests of that interval, so the
 * interval's likelihood ratio of θ = g·θ0 against θ0 is (p(θ)/p(θ0))^x ((1 − p(θ))/(1 − p(θ0)))^y. Its
 * expectation is at most 1 whenever the canary's rate is at most θ0 times the baseline's (a larger g only
 * gains from canary events), whatever the traffic split of each interval.
 *
 * The e-value multiplies, interval by interval, the mixture of these ratios with weights fixed before
 * the interval: the prior around `centre` times each ratio's likelihood so far (a Bayesian predictive
 * mixture). Each factor then has expectation at most 1 under the null, so the product is a
 * supermartingale and, by Ville's inequality, reaches 1/α with probability at most α, however long it is
 * watched. With a fixed θ0 and centre it is exactly the mixture likelihood ratio; θ0 and the centre may
 * change between intervals (e.g. follow the baseline's rate) as long as they are fixed before the interval's split
 * is seen, and θ0 ≥ 1 keeps the guarantee for every canary no worse than its baseline.
 */
export function updateRegressionTest(test: RegressionTest, canary: EventCounts, baseline: EventCounts, hypothesis: RegressionNull = {}): RegressionTest {
  if (canary.requests <= 0 || baseline.requests <= 0) return test;
  const x = Math.max(0, Math.round(canary.events));
  const y = Math.max(0, Math.round(baseline.events));
  if (x + y === 0) return test;
  const theta0 = Math.max(1, hypothesis.nullRatio ?? 1);
  const r = canary.requests / baseline.requests;
  const p0 = (theta0 * r) / (theta0 * r + 1);
  const step = RATIO_GRID.map((g) => {
    const p = (g * theta0 * r) / (g * theta0 * r + 1);
    return x * Math.log(p / p0) + y * Math.log((1 - p) / (1 - p0));
  });
  const prior = logPriorAround(hypothesis.centre ?? PRIOR_CENTRE);
  const weights = normalisedLog(prior.map((lp, k) => lp + test.logLr[k]));
  return { logE: test.logE + logSumExp(weights.map((w, k) => w + step[k])), logLr: test.logLr.map((l, k) => l + step[k]) };
}

/** ln of the test's e-value; a regression is significant at level α once it reaches ln(1/α). */
export function logEvidence(test: RegressionTest): number {
  return test.logE;
}

/**
 * Largest e-value reported (1e15, 1/α of any policy is far below): an overwhelming regression's e-value
 * overflows to Infinity, which JSON cannot hold, and DynamoDB's document client refuses numbers above
 * Number.MAX_SAFE_INTEGER (~9e15).
 */
export const MAX_REPORTED_EVIDENCE = 1e15;

/** The test's e-value, capped at {@link MAX_REPORTED_EVIDENCE} so that it can be recorded. */
export function evidenceValue(test: RegressionTest): number {
  return Math.min(Math.exp(test.logE), MAX_REPORTED_EVIDENCE);
}

function logSumExp(logs: number[]): number {
  const top = Math.max(...logs);
  return top + Math.log(logs.reduce((sum, l) => sum + Math.exp(l - top), 0));
}

function normalisedLog(logs: number[]): number[] {
  const total = logSumExp(logs);
  return logs.map((l) => l - total);
}

/**
 * Anytime-valid upper bound (level 1 − α) on one workload's event rate. The prior is centred on
 * `expected` (the baseline's rate, or the tolerance) with the strength of a few observations.
 */
export function rateUpperBound(counts: EventCounts, alpha: number, expected: number): number {
  const n = Math.max(0, Math.round(counts.requests));
  const e = Math.min(n, Math.max(0, Math.round(counts.events)));
  if (n === 0) return 1;
  return confidenceInterval(e, n - e, betaPrior(expected, Math.max(2, 1 / Math.max(expected, 1e-6))), alpha).upper;
}

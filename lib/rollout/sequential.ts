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
 * Rate ratios θ (canary / baseline) the regression test mixes over, with equal weights: 2^(1/4) … 16.
 * A regression near any of them builds evidence; a canary no worse than its baseline builds none.
 */
export const RATIO_GRID: readonly number[] = Array.from({ length: 16 }, (_, j) => 2 ** ((j + 1) / 8));

/** The running regression test: per θ of {@link RATIO_GRID}, ln of the likelihood ratio against θ = 1. */
export type RegressionTest = number[];

export const NEW_REGRESSION_TEST: RegressionTest = RATIO_GRID.map(() => 0);

/**
 * Adds one interval to the regression test. Given the interval's events, each is the canary's with
 * probability p(θ) = θr / (θr + 1), r = canary requests / baseline requests of that interval, so the
 * interval's likelihood ratio of θ against 1 is (p(θ)/p(1))^x ((1 − p(θ))/(1 − p(1)))^y. Products of these
 * are a supermartingale whenever the canary is no worse than its baseline (θ ≤ 1), whatever the traffic
 * split of each interval, so the test may span several steps.
 */
export function updateRegressionTest(test: RegressionTest, canary: EventCounts, baseline: EventCounts): RegressionTest {
  if (canary.requests <= 0 || baseline.requests <= 0) return test;
  const x = Math.max(0, Math.round(canary.events));
  const y = Math.max(0, Math.round(baseline.events));
  if (x + y === 0) return test;
  const r = canary.requests / baseline.requests;
  const p1 = r / (r + 1);
  return test.map((logLr, k) => {
    const p = (RATIO_GRID[k] * r) / (RATIO_GRID[k] * r + 1);
    return logLr + x * Math.log(p / p1) + y * Math.log((1 - p) / (1 - p1));
  });
}

/** ln of the test's e-value (the mixture of its likelihood ratios); a regression is significant at level α once it reaches ln(1/α). */
export function logEvidence(test: RegressionTest): number {
  const top = Math.max(...test);
  return top + Math.log(test.reduce((sum, l) => sum + Math.exp(l - top), 0) / test.length);
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

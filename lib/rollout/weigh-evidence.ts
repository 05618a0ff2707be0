/**
 * The sequential half of a step's judgement: what everything the step has observed so far says about
 * the canary's errors against stable's. Pure; `decideStep` acts on it.
 *
 * - `regression`: the mixture sequential test (`sequential.ts`) of "the canary's error rate is no higher
 *   than stable's" has gathered evidence (an e-value) of 1/α_e against it, or the latency test
 *   (`latency-evidence.ts`) of "the canary is at most `maxLatencyRatio` times slower" one of 1/α_l. α
 *   (`falseRollbackRate`) is split α_e = 0.8 α, α_l = 0.2 α, so a canary as good as stable is rolled
 *   back by either test with probability at most α, however often it is looked at.
 * - `bounded`: the anytime-valid upper bound (level 1 − α) on the canary's error rate is within the
 *   tolerated regression (stable's rate + `maxErrorRateIncrease`), and so is its latency (or there is no
 *   histogram to judge it by): the step may advance early.
 * - `open`: neither yet; keep watching.
 *
 * The error test's prior is centred on the tolerance: the ratio (stable's rate + `maxErrorRateIncrease`)
 * / stable's rate, from stable's errors before the interval, so most of its weight sits on the regressions
 * that matter. It is recentred before each interval (`updateRegressionTest`), which keeps the guarantee.
 *
 * Baseline: the stable workload (all pods of the current version). It is always there, serves the
 * most traffic (so its rate is the best known), and sees the same time of day and the same callers;
 * a fresh baseline sized like the canary would remove warm-up effects but halve the stable capacity
 * that the canary is judged against and double the pods started per rollout.
 */
import type { AnalysisPolicy } from '../model/service-spec.js';
import type { LatencyHistogram } from '../ports/metrics-source.js';
import { addLatencyInterval, weighLatency, type LatencyEvidence, type LatencyWeight } from './latency-evidence.js';
import { asRegressionTest, evidenceValue, NEW_REGRESSION_TEST, rateUpperBound, updateRegressionTest, type RegressionTest } from './sequential.js';

/** Shares of α (`falseRollbackRate`) of the error and the latency test. */
export const ERROR_ALPHA_SHARE = 0.9;
export const LATENCY_ALPHA_SHARE = 1 - ERROR_ALPHA_SHARE;

type Policy = Pick<AnalysisPolicy, 'falseRollbackRate' | 'maxErrorRateIncrease'> & Partial<Pick<AnalysisPolicy, 'maxLatencyRatio'>>;

/**
 * Requests and errors of the canary and of stable since the rollout started (all steps: an error rate
 * per request does not depend on the weight), and the running regression test on them.
 */
export interface StepEvidence {
  canary: { requests: number; errors: number };
  stable: { requests: number; errors: number };
  /** The error test, see `updateRegressionTest` (one stored in an older shape starts again). */
  test?: RegressionTest;
  /** Absent until both workloads served requests with a latency histogram. */
  latency?: LatencyEvidence;
}

export const NO_EVIDENCE: StepEvidence = { canary: { requests: 0, errors: 0 }, stable: { requests: 0, errors: 0 }, test: NEW_REGRESSION_TEST };

/** One interval of one workload: counts, and its latency histogram when the metrics source has one. */
export interface IntervalCounts {
  requests: number;
  errors: number;
  latency?: LatencyHistogram;
}

/** What the evidence says, with the statistic and the bound a person can check. */
export interface EvidenceWeight {
  outcome: 'regression' | 'bounded' | 'open';
  /** The evidence leans towards a regression (an e-value above 1, of errors or latency), not necessarily significantly. */
  canaryWorse: boolean;
  reason: string;
  statistic: {
    /** The regression test's e-value, and the 1/α it must reach. */
    evidence: number;
    evidenceNeeded: number;
    /** Anytime-valid upper bound on the canary's error rate, and the tolerance it is held to. */
    canaryRateUpper: number;
    tolerated: number;
    alpha: number;
    /** The latency test's figures; absent without latency histograms. */
    latency?: LatencyWeight['statistic'] & { outcome: LatencyWeight['outcome'] };
  };
}

/** Adds one interval's requests, errors and latency histograms to the evidence. */
export function addInterval(
  evidence: StepEvidence,
  canary: IntervalCounts,
  stable: IntervalCounts,
  policy: Partial<Pick<AnalysisPolicy, 'maxLatencyRatio'>> = {},
): StepEvidence {
  const latency = addLatencyInterval(evidence.latency, canary.latency, stable.latency, policy.maxLatencyRatio ?? 1.2);
  return {
    canary: { requests: evidence.canary.requests + canary.requests, errors: evidence.canary.errors + canary.errors },
    stable: { requests: evidence.stable.requests + stable.requests, errors: evidence.stable.errors + stable.errors },
    test: updateRegressionTest(
      asRegressionTest(evidence.test),
      { requests: canary.requests, events: canary.errors },
      { requests: stable.requests, events: stable.errors },
    ),
    ...(latency ? { latency } : {}),
  };
}

/** Weighs the evidence (see the module comment). */
export function weighEvidence(policy: Policy, evidence: StepEvidence): EvidenceWeight {
  const alpha = policy.falseRollbackRate;
  const errors = weighErrors(policy, evidence, alpha * ERROR_ALPHA_SHARE, alpha);
  if (!evidence.latency) return errors;
  const latency = weighLatency(evidence.latency, alpha * LATENCY_ALPHA_SHARE, policy.maxLatencyRatio ?? 1.2);
  const statistic = { ...errors.statistic, latency: { outcome: latency.outcome, ...latency.statistic } };
  const canaryWorse = errors.canaryWorse || latency.canaryWorse;
  if (errors.outcome === 'regression' || latency.outcome === 'regression') {
    const reasons = [errors, latency].filter((w) => w.outcome === 'regression').map((w) => w.reason);
    return { outcome: 'regression', canaryWorse, reason: reasons.join('; '), statistic };
  }
  const outcome = errors.outcome === 'bounded' && latency.outcome === 'bounded' ? 'bounded' : 'open';
  return { outcome, canaryWorse, reason: `${errors.reason}; ${latency.reason}`, statistic };
}

/**
 * The error test at level `alphaTest` (regression) and the error-rate bound at level `alphaBound`.
 */
function weighErrors(policy: Policy, evidence: StepEvidence, alphaTest: number, alphaBound: number): EvidenceWeight {
  const { canary, stable } = evidence;
  const eValue = evidenceValue(asRegressionTest(evidence.test));
  const stableRate = stable.requests > 0 ? stable.errors / stable.requests : 0;
  const tolerated = stableRate + policy.maxErrorRateIncrease;
  const canaryRateUpper = rateUpperBound({ requests: canary.requests, events: canary.errors }, alphaBound, tolerated);
  const canaryWorse = eValue > 1;
  const statistic = {
    evidence: round(eValue),
    evidenceNeeded: round(1 / alphaTest),
    canaryRateUpper: round(canaryRateUpper),
    tolerated: round(tolerated),
    alpha: policy.falseRollbackRate,
  };
  const seen = `canary ${rateText(canary)} against stable ${rateText(stable)}`;
  const level = `${percent(1 - alphaBound)} anytime-valid`;
  if (eValue >= 1 / alphaTest) {
    return {
      outcome: 'regression',
      canaryWorse,
      reason: `errors are significantly higher on the canary: ${seen}; the sequential test's evidence of a regression is ${formatEvidence(eValue)}, beyond the ${round(1 / alphaTest)} needed (${level})`,
      statistic,
    };
  }
  if (canaryRateUpper <= tolerated) {
    return {
      outcome: 'bounded',
      canaryWorse,
      reason: `no error regression beyond the tolerance: ${seen}; the canary's error rate is at most ${percent(canaryRateUpper)}, within stable's + ${percent(policy.maxErrorRateIncrease)} = ${percent(tolerated)} (${level})`,
      statistic,
    };
  }
  return {
    outcome: 'open',
    canaryWorse,
    reason: `not yet enough evidence either way: ${seen}; the canary's error rate may be up to ${percent(canaryRateUpper)} (tolerated ${percent(tolerated)}, ${level})`,
    statistic,
  };
}

function rateText(c: { requests: number; errors: number }): string {
  return `${percent(c.requests > 0 ? c.errors / c.requests : 0)} (${Math.round(c.errors)} errors in ${Math.round(c.requests)} requests)`;
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

/**
 * The sequential half of a step's judgement: what everything the step has observed so far says about
 * the canary's errors against stable's. Pure; `decideStep` acts on it.
 *
 * - `regression`: the mixture sequential test (`sequential.ts`) of "the canary's error rate is no higher
 *   than stable's" has gathered evidence (an e-value) of 1/α against it. A canary as good as stable gets
 *   here with probability at most α, however often it is looked at (α = `falseRollbackRate`).
 * - `bounded`: the anytime-valid upper bound (level 1 − α) on the canary's error rate is within the
 *   tolerated regression (stable's rate + `maxErrorRateIncrease`): the step may advance early.
 * - `open`: neither yet; keep watching.
 *
 * Baseline: the stable workload (all pods of the current version). It is always there, serves the
 * most traffic (so its rate is the best known), and sees the same time of day and the same callers;
 * a fresh baseline sized like the canary would remove warm-up effects but halve the stable capacity
 * that the canary is judged against and double the pods started per rollout.
 */
import type { AnalysisPolicy } from '../model/service-spec.js';
import { logEvidence, NEW_REGRESSION_TEST, rateUpperBound, updateRegressionTest, type RegressionTest } from './sequential.js';

/**
 * Requests and errors of the canary and of stable since the rollout started (all steps: an error rate
 * per request does not depend on the weight), and the running regression test on them.
 */
export interface StepEvidence {
  canary: { requests: number; errors: number };
  stable: { requests: number; errors: number };
  /** See `updateRegressionTest`; absent in evidence recorded before the test existed. */
  test?: RegressionTest;
}

export const NO_EVIDENCE: StepEvidence = { canary: { requests: 0, errors: 0 }, stable: { requests: 0, errors: 0 }, test: NEW_REGRESSION_TEST };

/** What the evidence says, with the statistic and the bound a person can check. */
export interface EvidenceWeight {
  outcome: 'regression' | 'bounded' | 'open';
  /** The canary's observed error rate is above stable's (not necessarily significantly). */
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
  };
}

/** Adds one interval's requests and errors to the evidence. */
export function addInterval(evidence: StepEvidence, canary: { requests: number; errors: number }, stable: { requests: number; errors: number }): StepEvidence {
  return {
    canary: { requests: evidence.canary.requests + canary.requests, errors: evidence.canary.errors + canary.errors },
    stable: { requests: evidence.stable.requests + stable.requests, errors: evidence.stable.errors + stable.errors },
    test: updateRegressionTest(
      evidence.test ?? NEW_REGRESSION_TEST,
      { requests: canary.requests, events: canary.errors },
      { requests: stable.requests, events: stable.errors },
    ),
  };
}

/** Weighs the evidence (see the module comment). */
export function weighEvidence(policy: Pick<AnalysisPolicy, 'falseRollbackRate' | 'maxErrorRateIncrease'>, evidence: StepEvidence): EvidenceWeight {
  const alpha = policy.falseRollbackRate;
  const { canary, stable } = evidence;
  const eValue = Math.exp(logEvidence(evidence.test ?? NEW_REGRESSION_TEST));
  const stableRate = stable.requests > 0 ? stable.errors / stable.requests : 0;
  const tolerated = stableRate + policy.maxErrorRateIncrease;
  const canaryRateUpper = rateUpperBound({ requests: canary.requests, events: canary.errors }, alpha, tolerated);
  const canaryWorse = canary.requests > 0 && stable.requests > 0 && canary.errors / canary.requests > stableRate;
  const statistic = { evidence: round(eValue), evidenceNeeded: round(1 / alpha), canaryRateUpper: round(canaryRateUpper), tolerated: round(tolerated), alpha };
  const seen = `canary ${rateText(canary)} against stable ${rateText(stable)}`;
  const level = `${percent(1 - alpha)} anytime-valid`;
  if (eValue >= 1 / alpha) {
    return {
      outcome: 'regression',
      canaryWorse,
      reason: `errors are significantly higher on the canary: ${seen}; the sequential test's evidence of a regression is ${formatEvidence(eValue)}, beyond the ${round(1 / alpha)} needed (${level})`,
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

/**
 * The rollout verdict for one analysis interval: pure, so it is the same in the task Lambda, locally
 * and in tests.
 */
import type { AnalysisPolicy } from '../model/service-spec.js';
import type { WorkloadMetrics } from '../ports/metrics-source.js';
import type { Verdict } from '../model/rollout-task-contract.js';

/** A verdict and the human-readable reasons behind it (stored on the deployment record). */
export interface StepJudgement {
  verdict: Verdict;
  reasons: string[];
}

/**
 * Judges one interval of canary (or preview) metrics against the policy and the stable version.
 *
 * - Fewer than `minRequests` canary requests: `inconclusive` (how many of those a step tolerates is
 *   decided by `decideStep`).
 * - Otherwise `fail` when any of: error rate above `maxErrorRate`; with `method: threshold`, error rate
 *   more than `maxErrorRateIncrease` above stable's (only when stable served `minRequests` itself, so an
 *   idle stable is no baseline; the sequential method compares with stable on all its evidence instead);
 *   p99 above `maxP99LatencyMs`. Every broken rule is listed. These are the absolute guards.
 * - Otherwise `pass`. This holds at any point of a step: a clearly bad canary fails at its first
 *   interval with enough requests, whatever the step's pause.
 */
export function judgeStep(policy: AnalysisPolicy, canary: WorkloadMetrics, stable: WorkloadMetrics): StepJudgement {
  if (canary.requests < policy.minRequests) {
    return { verdict: 'inconclusive', reasons: [`not enough traffic yet: ${formatCount(canary.requests)} of the ${policy.minRequests} requests needed`] };
  }

  const failures: string[] = [];
  const errorSummary = `${percent(canary.errorRate)} (${formatCount(canary.errors)} of ${formatCount(canary.requests)} requests)`;
  if (canary.errorRate > policy.maxErrorRate) {
    failures.push(`error rate ${errorSummary} is above the limit of ${percent(policy.maxErrorRate)}`);
  }
  const stableIsBaseline = stable.requests >= policy.minRequests;
  // The sequential test (weigh-evidence.ts) compares with stable on all the evidence instead of one interval.
  if (policy.method === 'threshold' && stableIsBaseline && canary.errorRate > stable.errorRate + policy.maxErrorRateIncrease) {
    failures.push(`error rate ${percent(canary.errorRate)} is more than ${percent(policy.maxErrorRateIncrease)} above stable's ${percent(stable.errorRate)}`);
  }
  if (canary.p99LatencyMs !== undefined && canary.p99LatencyMs > policy.maxP99LatencyMs) {
    failures.push(`p99 latency ${formatMs(canary.p99LatencyMs)} is above the limit of ${formatMs(policy.maxP99LatencyMs)}`);
  }
  if (failures.length > 0) return { verdict: 'fail', reasons: failures };

  const reasons = [`error rate ${errorSummary} is within limits`];
  reasons.push(
    canary.p99LatencyMs === undefined ? 'p99 latency unknown (no latency histogram)' : `p99 latency ${formatMs(canary.p99LatencyMs)} is within the limit`,
  );
  if (!stableIsBaseline) reasons.push(`stable served ${formatCount(stable.requests)} requests: too few to compare against`);
  return { verdict: 'pass', reasons };
}

function percent(rate: number): string {
  return `${Number((rate * 100).toFixed(2))}%`;
}

function formatMs(ms: number): string {
  return Number.isFinite(ms) ? `${Number(ms.toFixed(1))} ms` : 'beyond the largest histogram bucket';
}

/** Prometheus `increase()` extrapolates, so counts may be fractional; show them rounded. */
function formatCount(n: number): string {
  return String(Math.round(n));
}

/**
 * The metrics half of the `analyze` task action: read the new version and stable over one analysis
 * interval and judge them. The task then decides what follows with `decideStep`.
 */
import { workloadName } from '../mesh/labels.js';
import type { LatencyHistogram, MetricsSource, WorkloadMetrics } from '../ports/metrics-source.js';
import { judgeStep, type StepJudgement } from './analysis.js';
import type { AnalyzeRequest, MetricsSnapshot } from '../model/rollout-task-contract.js';

/** A judgement with the metrics it was made on, in the task contract's JSON shape, and the latency histograms read. */
export interface StepAnalysis extends StepJudgement {
  canary: MetricsSnapshot;
  stable: MetricsSnapshot;
  /** For the sequential latency test; not part of the task's answer. Absent when the source has no buckets. */
  histograms: { canary?: LatencyHistogram; stable?: LatencyHistogram };
}

/**
 * Reads `<service>-<track>` and `<service>` for the last `analysis.intervalSeconds` and judges the
 * interval. Errors of the metrics source (TransientError / TerminalError) propagate unchanged.
 */
export async function analyzeStep(metrics: MetricsSource, request: AnalyzeRequest): Promise<StepAnalysis> {
  const window = request.analysis.intervalSeconds;
  const [canary, stable] = await Promise.all([
    metrics.workloadMetrics(request.namespace, workloadName(request.service, request.track), window, { latencyHistogram: true }),
    metrics.workloadMetrics(request.namespace, workloadName(request.service, 'stable'), window, { latencyHistogram: true }),
  ]);
  const judgement = judgeStep(request.analysis, canary, stable);
  return { ...judgement, canary: toSnapshot(canary), stable: toSnapshot(stable), histograms: { canary: canary.latency, stable: stable.latency } };
}

/** WorkloadMetrics as JSON-safe data (an unknown or infinite p99 becomes null; the verdict already judged it). */
export function toSnapshot(m: WorkloadMetrics): MetricsSnapshot {
  const p99 = m.p99LatencyMs;
  return { requests: m.requests, errors: m.errors, errorRate: m.errorRate, p99LatencyMs: p99 !== undefined && Number.isFinite(p99) ? p99 : null };
}

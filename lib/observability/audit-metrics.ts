/**
 * The counters an audit event stands for. The audit trail is the record of what happened (each event is
 * committed with the change it describes), so metrics counted from it agree with it: a rollout counted as
 * rolled back was rolled back. Pure, table-tested; the publisher counts, the adapters export.
 */
import type { AuditEvent } from '../model/records.js';
import type { MetricCount } from '../ports/telemetry.js';

/** Metric names, the same in CloudWatch (namespace `meshplane`) and in the local `GET /metrics` (prefixed `meshplane_`, snake case). */
export const METRICS = {
  rolloutsStarted: 'RolloutsStarted',
  rolloutsPromoted: 'RolloutsPromoted',
  rolloutsRolledBack: 'RolloutsRolledBack',
  rolloutsAborted: 'RolloutsAborted',
  analysisVerdicts: 'AnalysisVerdicts',
  analysesFailed: 'AnalysesFailed',
  remediations: 'Remediations',
  podsMoved: 'OptimizerPodsMoved',
  optimizerRuns: 'OptimizerRuns',
  optimizerSavings: 'OptimizerMonthlySavings',
  queueAge: 'QueueAgeMs',
  auditEvents: 'AuditEvents',
} as const;

const BY_TYPE: Record<string, (e: AuditEvent) => MetricCount[]> = {
  RolloutStarted: () => [{ name: METRICS.rolloutsStarted, value: 1 }],
  RolloutPromoted: () => [{ name: METRICS.rolloutsPromoted, value: 1 }],
  RolloutRolledBack: () => [{ name: METRICS.rolloutsRolledBack, value: 1 }],
  RolloutAborted: () => [{ name: METRICS.rolloutsAborted, value: 1 }],
  // Every analysis's decision is counted by the rollout task itself (AnalysisVerdicts{decision}); the failed ones are also here.
  AnalysisFailed: () => [{ name: METRICS.analysesFailed, value: 1 }],
  RemediationApplied: (e) => [{ name: METRICS.remediations, value: 1, dimensions: { action: actionOf(e), outcome: 'applied' } }],
  RemediationFailed: (e) => [{ name: METRICS.remediations, value: 1, dimensions: { action: actionOf(e), outcome: 'failed' } }],
  RemediationSkipped: (e) => [{ name: METRICS.remediations, value: 1, dimensions: { action: actionOf(e), outcome: 'skipped' } }],
  RemediationEscalated: (e) => [{ name: METRICS.remediations, value: 1, dimensions: { action: actionOf(e), outcome: 'escalated' } }],
  Moved: (e) => [{ name: METRICS.podsMoved, value: podsMovedOf(e) }],
};

/** The counters of one audit event: always one `AuditEvents{type}`, plus what its type stands for. */
export function countersOf(event: AuditEvent): MetricCount[] {
  return [{ name: METRICS.auditEvents, value: 1, dimensions: { type: event.type } }, ...(BY_TYPE[event.type]?.(event) ?? [])];
}

/** The remediation's decision kind (`restart`, `scaleOut`, `rollback`, …; `none` when nothing was to do). */
function actionOf(e: AuditEvent): string {
  const action = e.data?.decision;
  return typeof action === 'string' && /^[A-Za-z-]{1,40}$/.test(action) ? action : 'none';
}

/** `optimizer run X moved 3 pod(s) of …` → 3 (the event's own count when it has one). */
function podsMovedOf(e: AuditEvent): number {
  const n = e.data?.pods;
  if (typeof n === 'number' && Number.isFinite(n)) return n;
  return Number(/moved (\d+) pod/.exec(e.message)?.[1] ?? 1);
}

import type { MetricCount } from '../ports/telemetry.js';
import { METRICS } from './audit-metrics.js';

/** What a finished optimizer run reports: its status, and for an applied plan the $/month it saves. Pure. */
export function optimizerRunCounters(run: {
  status: string;
  dryRun?: boolean;
  costBefore?: { dollarsPerMonth?: number };
  costAfterPlan?: { dollarsPerMonth?: number };
}): MetricCount[] {
  const counters: MetricCount[] = [{ name: METRICS.optimizerRuns, value: 1, dimensions: { status: run.status } }];
  const before = run.costBefore?.dollarsPerMonth;
  const after = run.costAfterPlan?.dollarsPerMonth;
  if (run.status === 'applied' && !run.dryRun && typeof before === 'number' && typeof after === 'number') {
    counters.push({ name: METRICS.optimizerSavings, value: Math.max(0, before - after), unit: 'None' });
  }
  return counters;
}

import type { WorkloadMetrics } from '../../ports/metrics-source.js';

/**
 * Assembles WorkloadMetrics from the three numbers every metrics backend reports. Backends may return
 * nothing for an idle workload and extrapolated (fractional, even slightly inconsistent) counts, so
 * missing counts are 0, the error rate stays within 0..1, and p99 is only reported for a workload
 * that served requests. A p99 of +Infinity (Prometheus' answer when the quantile lies beyond the largest
 * histogram bucket) is kept: it is slower than any limit.
 */
export function toWorkloadMetrics(requests: number | undefined, errors: number | undefined, p99LatencyMs: number | undefined): WorkloadMetrics {
  const served = finiteOrZero(requests);
  const failed = Math.min(finiteOrZero(errors), served);
  return {
    requests: served,
    errors: failed,
    errorRate: served > 0 ? failed / served : 0,
    p99LatencyMs: served > 0 && p99LatencyMs !== undefined && !Number.isNaN(p99LatencyMs) ? p99LatencyMs : undefined,
  };
}

function finiteOrZero(n: number | undefined): number {
  return n !== undefined && Number.isFinite(n) && n > 0 ? n : 0;
}

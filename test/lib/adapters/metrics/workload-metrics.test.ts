import { describe, expect, it } from 'vitest';
import { toWorkloadMetrics } from '../../../../lib/adapters/metrics/workload-metrics.js';

describe('toWorkloadMetrics', () => {
  it.each([
    { name: 'a busy workload', in: [400, 6, 210] as const, out: { requests: 400, errors: 6, errorRate: 0.015, p99LatencyMs: 210 } },
    {
      name: 'no series at all (idle workload)',
      in: [undefined, undefined, undefined] as const,
      out: { requests: 0, errors: 0, errorRate: 0, p99LatencyMs: undefined },
    },
    { name: 'requests but no 5xx series', in: [120, undefined, 95] as const, out: { requests: 120, errors: 0, errorRate: 0, p99LatencyMs: 95 } },
    {
      name: 'extrapolated errors above requests are capped',
      in: [10.5, 11.2, 80] as const,
      out: { requests: 10.5, errors: 10.5, errorRate: 1, p99LatencyMs: 80 },
    },
    { name: 'a p99 without requests is dropped', in: [0, 0, 40] as const, out: { requests: 0, errors: 0, errorRate: 0, p99LatencyMs: undefined } },
    {
      name: 'a quantile beyond the largest bucket (+Inf) is kept: slower than any limit',
      in: [100, 0, Infinity] as const,
      out: { requests: 100, errors: 0, errorRate: 0, p99LatencyMs: Infinity },
    },
    { name: 'a NaN quantile is unknown', in: [100, 0, NaN] as const, out: { requests: 100, errors: 0, errorRate: 0, p99LatencyMs: undefined } },
  ])('$name', ({ in: [requests, errors, p99], out }) => {
    expect(toWorkloadMetrics(requests, errors, p99)).toEqual(out);
  });
});

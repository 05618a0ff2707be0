/** What rollout analysis and the health probe need to know about one workload over a window. */
export interface WorkloadMetrics {
  requests: number;
  errors: number;
  /** errors / requests, 0 when there were no requests */
  errorRate: number;
  /** p99 latency in ms; undefined when there were no requests */
  p99LatencyMs: number | undefined;
}

export interface MetricsSource {
  workloadMetrics(namespace: string, workload: string, windowSeconds: number): Promise<WorkloadMetrics>;
}

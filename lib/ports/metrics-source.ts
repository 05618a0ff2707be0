/** What rollout analysis and the health probe need to know about one workload over a window. */
export interface WorkloadMetrics {
  requests: number;
  errors: number;
  /** errors / requests, 0 when there were no requests */
  errorRate: number;
  /** p99 latency in ms; undefined when there were no requests */
  p99LatencyMs: number | undefined;
  /**
   * The request-duration histogram over the window (Istio's `istio_request_duration_milliseconds_bucket`),
   * for the sequential latency test; absent when the source has no buckets (then latency is judged by
   * the p99 limit alone).
   */
  latency?: LatencyHistogram;
}

/** Prometheus-style cumulative histogram buckets over a window. */
export interface LatencyHistogram {
  /** Requests at or below each finite bound `le` (ms), ascending (the `+Inf` bucket is `count`). */
  buckets: { le: number; count: number }[];
  /** Requests the histogram counted. */
  count: number;
}

/** Observed calls per second from one service to another (mesh telemetry). */
export interface ServiceCallRate {
  fromNamespace: string;
  from: string;
  toNamespace: string;
  to: string;
  rps: number;
}

/**
 * Traffic on one edge of the call graph over a window, as the calling proxies report it (`reporter="source"`):
 * one per caller and callee service (Istio's canonical service, so a service's stable and canary workloads add up).
 */
export interface EdgeTraffic {
  fromNamespace: string;
  from: string;
  toNamespace: string;
  to: string;
  /** Calls per second. */
  rps: number;
  /** Of those, answered with a 5xx. */
  errorRps: number;
  /** p99 latency the caller saw, ms; undefined without calls or without a latency histogram. */
  p99LatencyMs?: number;
  /** Calls per second whose zones the source knows, and of those the ones that crossed a zone; absent: no zone series. */
  zones?: { rps: number; crossZoneRps: number };
}

export interface MetricsSource {
  /** `latencyHistogram`: also read the duration histogram (one more query; rollout analysis asks, the health probe does not). */
  workloadMetrics(namespace: string, workload: string, windowSeconds: number, options?: { latencyHistogram?: boolean }): Promise<WorkloadMetrics>;
  /** Calls per second between every pair of services over the window; absent when the source cannot tell (no per-edge telemetry). */
  callRates?(windowSeconds: number): Promise<ServiceCallRate[]>;
  /**
   * Rate, errors, p99 and zone crossings of every edge over the window, in a fixed number of queries
   * whatever the number of services; absent when the source has no per-edge telemetry.
   */
  edgeTraffic?(windowSeconds: number): Promise<EdgeTraffic[]>;
}

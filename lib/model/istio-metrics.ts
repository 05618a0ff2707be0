/**
 * PromQL for the Istio standard metrics that rollout analysis and the health probe read. One source:
 * the Prometheus metrics adapter sends exactly these, and the simulated cluster's query API answers
 * exactly these (Amazon Managed Prometheus answers them from real Envoy telemetry).
 */
export interface WorkloadSelector {
  namespace: string;
  /** Deployment name, as Istio reports it in `destination_workload`. */
  workload: string;
}

function selector(w: WorkloadSelector, extra = ''): string {
  return `reporter="destination",destination_workload_namespace="${w.namespace}",destination_workload="${w.workload}"${extra}`;
}

/** Requests served by the workload over the window. */
export function requestCountQuery(w: WorkloadSelector, windowSeconds: number): string {
  return `sum(increase(istio_requests_total{${selector(w)}}[${windowSeconds}s]))`;
}

/** Requests answered with a 5xx over the window. */
export function errorCountQuery(w: WorkloadSelector, windowSeconds: number): string {
  return `sum(increase(istio_requests_total{${selector(w, ',response_code=~"5.."')}}[${windowSeconds}s]))`;
}

/** Latency quantile (e.g. 0.99) in milliseconds over the window. */
export function latencyQuantileQuery(w: WorkloadSelector, quantile: number, windowSeconds: number): string {
  return `histogram_quantile(${quantile}, sum(rate(istio_request_duration_milliseconds_bucket{${selector(w)}}[${windowSeconds}s])) by (le))`;
}

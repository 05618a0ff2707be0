/**
 * PromQL for the Istio standard metrics that rollout analysis, the health probe and the placement
 * optimizer (per-edge call rates) read. One source:
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

/**
 * Request-duration histogram over the window: one sample per bucket bound `le` (ms, cumulative, with
 * `+Inf` counting every request), for the sequential latency test.
 */
export function latencyBucketsQuery(w: WorkloadSelector, windowSeconds: number): string {
  return `sum(increase(istio_request_duration_milliseconds_bucket{${selector(w)}}[${windowSeconds}s])) by (le)`;
}

/** Labels of each sample of `serviceCallRatesQuery`: who calls whom. */
export const CALL_RATE_LABELS = {
  fromNamespace: 'source_workload_namespace',
  from: 'source_canonical_service',
  toNamespace: 'destination_workload_namespace',
  to: 'destination_canonical_service',
} as const;

/**
 * Calls per second between services over the window, as the calling proxies report them (so each call
 * is counted once, and calls from outside the mesh not at all): one sample per caller and callee
 * service. Istio's canonical service is the `app` label, i.e. the meshplane service, so the stable,
 * canary and preview workloads of a service add up.
 */
export function serviceCallRatesQuery(windowSeconds: number): string {
  const by = Object.values(CALL_RATE_LABELS).join(', ');
  return `sum by (${by}) (rate(istio_requests_total{reporter="source"}[${windowSeconds}s]))`;
}

/**
 * Calls between zones, reported by the caller with `source_zone` and `destination_zone` besides the
 * labels of {@link CALL_RATE_LABELS}. Istio's standard metrics carry no zone: the simulated cluster
 * serves this series; on a real mesh a recording rule or an Istio Telemetry tag can provide it under
 * this name, and without it an edge's cross-zone share is predicted from where its pods run.
 */
export const ZONE_REQUESTS_METRIC = 'sim_zone_requests_total';

const EDGE_BY = Object.values(CALL_RATE_LABELS).join(', ');

/** Calls per second of every edge by response code, caller-reported (one sample per edge and code). */
export function edgeRequestRatesQuery(windowSeconds: number): string {
  return `sum by (${EDGE_BY}, response_code) (rate(istio_requests_total{reporter="source"}[${windowSeconds}s]))`;
}

/** Latency quantile (ms) of every edge as its callers saw it (one sample per edge). */
export function edgeLatencyQuantileQuery(quantile: number, windowSeconds: number): string {
  return `histogram_quantile(${quantile}, sum by (${EDGE_BY}, le) (rate(istio_request_duration_milliseconds_bucket{reporter="source"}[${windowSeconds}s])))`;
}

/** Calls per second of every edge per pair of zones (one sample per edge, caller zone and callee zone). */
export function edgeZoneRatesQuery(windowSeconds: number): string {
  return `sum by (${EDGE_BY}, source_zone, destination_zone) (rate(${ZONE_REQUESTS_METRIC}{reporter="source"}[${windowSeconds}s]))`;
}

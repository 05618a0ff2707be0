/**
 * The call graph as last observed: per caller and callee service, the traffic the mesh's proxies
 * reported. The health probe run records it (document kind OBSERVED_EDGES_DOC, id OBSERVED_EDGES_ID),
 * one document per run for the whole mesh; `GET /v1/mesh` serves it with its age and never reads a
 * metrics backend itself.
 */
export const OBSERVED_EDGES_DOC = 'observed-edges';
export const OBSERVED_EDGES_ID = 'mesh';

/** One edge between two registered services, its figures over the window. */
export interface ObservedEdge {
  from: string;
  to: string;
  /** Calls per second. */
  rps: number;
  /** Share of calls answered with a 5xx, 0..1. */
  errorRate: number;
  /** p99 latency the callers saw, ms; absent when the source has no latency histogram. */
  p99LatencyMs?: number;
  /** Share of calls that crossed a zone, 0..1; absent when the source reports no zones. */
  crossZoneShare?: number;
}

export interface ObservedEdges {
  edges: ObservedEdge[];
  /** ISO time of the observation. */
  observedAt: string;
  windowSeconds: number;
  /** Why some or all figures are missing (a source without per-edge telemetry, a query that failed). */
  problems?: string[];
  /** Edges left out to keep the document within the store's item size (the quietest ones). */
  omitted?: number;
}

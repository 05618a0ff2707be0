import { errorMessage, VersionConflictError } from '../../errors.js';
import type { ClusterRegistration } from '../../model/cluster.js';
import { OBSERVED_EDGES_DOC, OBSERVED_EDGES_ID, type ObservedEdges } from '../../model/observed-edges.js';
import type { Clock } from '../../ports/clock.js';
import type { ClusterStore } from '../../ports/cluster-store.js';
import type { DocumentStore } from '../../ports/document-store.js';
import type { EdgeTraffic, MetricsSource } from '../../ports/metrics-source.js';
import type { ServiceStore } from '../../ports/service-store.js';
import { boundedEdges, edgeFigures } from './edge-figures.js';

/** The window the figures cover: the health probe's metrics window. */
export const EDGE_TRAFFIC_WINDOW_SECONDS = 60;
/** The observation expires when nothing refreshes it for a day (the probe stopped). */
const TTL_SECONDS = 24 * 3600;
/** Well within DynamoDB's 400 KB item limit (attribute names and numbers cost about what their JSON does). */
const MAX_DOCUMENT_BYTES = 300_000;

export interface EdgeTrafficDeps {
  store: ServiceStore & ClusterStore & DocumentStore;
  clock: Clock;
  /** Serves every cluster when `metricsFor` is absent, and when no cluster is registered. */
  metrics: MetricsSource;
  /** Each cluster's metrics source; clusters that share one are read once. */
  metricsFor?: (cluster: ClusterRegistration) => MetricsSource;
}

export interface EdgeTrafficResult {
  /** Edges recorded. */
  edges: number;
  /** Metrics sources read (one per distinct source, not per service). */
  sources: number;
  /** Reads and the write that failed (a source without per-edge telemetry is no error: the document says so). */
  errors: string[];
}

/**
 * Records the observed call graph (OBSERVED_EDGES_DOC): one `edgeTraffic` call per distinct metrics
 * source, i.e. per cluster at most and a fixed number of queries each, whatever the number of services,
 * then one document write. A source without per-edge telemetry, or one that fails, is named in the
 * document's `problems`; when no source answered, the last figures stay with their time (their age tells
 * they are stale) and only the problems change.
 */
export async function recordEdgeTraffic(deps: EdgeTrafficDeps, windowSeconds = EDGE_TRAFFIC_WINDOW_SECONDS): Promise<EdgeTrafficResult> {
  const [services, clusters] = await Promise.all([deps.store.listAllServices(), deps.store.listClusters()]);
  const sources = new Map<MetricsSource, string[]>();
  for (const c of clusters) {
    const source = deps.metricsFor?.(c) ?? deps.metrics;
    sources.set(source, [...(sources.get(source) ?? []), c.id]);
  }
  if (!sources.size) sources.set(deps.metrics, ['default']);
  const problems: string[] = [];
  const failures: string[] = [];
  const read: EdgeTraffic[][] = [];
  await Promise.all(
    [...sources].map(async ([source, ids]) => {
      const where = `cluster ${ids.join(', ')}`;
      if (!source.edgeTraffic) return problems.push(`${where}: the metrics source reports no per-edge traffic`);
      try {
        read.push(await source.edgeTraffic(windowSeconds));
      } catch (err) {
        failures.push(`${where}: per-edge traffic could not be read: ${errorMessage(err)}`);
      }
    }),
  );
  const { edges, omitted } = boundedEdges(
    edgeFigures(
      read,
      services.map((s) => ({ name: s.name, namespace: s.spec.namespace })),
    ),
    MAX_DOCUMENT_BYTES,
  );
  const fresh: ObservedEdges = {
    edges,
    observedAt: deps.clock.now().toISOString(),
    windowSeconds,
    ...(problems.length || failures.length ? { problems: [...problems, ...failures].sort() } : {}),
    ...(omitted ? { omitted } : {}),
  };
  // A source without per-edge telemetry is how it is configured (said in the document), not an error of this run.
  const errors = [...failures];
  try {
    await putObservation(deps, fresh, read.length > 0);
  } catch (err) {
    errors.push(`observed edges: ${errorMessage(err)}`);
  }
  return { edges: read.length ? edges.length : 0, sources: sources.size, errors };
}

/** Replaces the document (or, when nothing was read, only its problems); last writer wins. */
async function putObservation(deps: EdgeTrafficDeps, fresh: ObservedEdges, anyRead: boolean): Promise<void> {
  const current = await deps.store.getDocument<ObservedEdges>(OBSERVED_EDGES_DOC, OBSERVED_EDGES_ID);
  const value: ObservedEdges = anyRead || !current ? fresh : { ...current.value, problems: fresh.problems };
  try {
    await deps.store.putDocument(OBSERVED_EDGES_DOC, OBSERVED_EDGES_ID, value, current?.version ?? null, TTL_SECONDS);
  } catch (err) {
    // Another run wrote meanwhile: its observation is as good as this one.
    if (!(err instanceof VersionConflictError)) throw err;
  }
}

/**
 * MetricsSource over Prometheus-compatible query APIs: Prometheus itself, Amazon Managed Service for
 * Prometheus (SigV4, service `aps`) and the simulated cluster, all answering the Istio standard-metric
 * queries of `lib/model/istio-metrics.ts`.
 */
import {
  CALL_RATE_LABELS,
  edgeLatencyQuantileQuery,
  edgeRequestRatesQuery,
  edgeZoneRatesQuery,
  errorCountQuery,
  latencyBucketsQuery,
  latencyQuantileQuery,
  requestCountQuery,
  serviceCallRatesQuery,
} from '../../model/istio-metrics.js';
import type { EdgeTraffic, LatencyHistogram, MetricsSource, ServiceCallRate, WorkloadMetrics } from '../../ports/metrics-source.js';
import { ampRegionFromUrl, SigV4Signer, type AwsCredentials } from './aws-sigv4-signer.js';
import { PrometheusQueryClient } from './prometheus-query-client.js';
import { toWorkloadMetrics } from './workload-metrics.js';
import { toEdgeTraffic } from './edge-traffic.js';

export interface PrometheusMetricsSourceOptions {
  /** Prometheus base URL or AMP workspace URL (`https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>`). */
  url: string;
  /** Per query, default 10 s. */
  timeoutMs?: number;
  method?: 'GET' | 'POST';
  /**
   * Sign requests with SigV4 for AMP. `true` takes the region from the workspace URL and credentials
   * from the default provider chain; an object overrides either.
   */
  sigv4?: boolean | { region?: string; credentials?: AwsCredentials | (() => Promise<AwsCredentials>) };
}

/** The latency quantile the rollout policy limits (`maxP99LatencyMs`). */
const P99 = 0.99;

/** Reads request count, 5xx count, p99 latency and the latency histogram of a workload from Istio's standard metrics. */
export class PrometheusMetricsSource implements MetricsSource {
  constructor(private readonly client: PrometheusQueryClient) {}

  /** Builds the source, with a SigV4-signing client when `sigv4` is set. */
  static fromOptions(options: PrometheusMetricsSourceOptions): PrometheusMetricsSource {
    let signer: SigV4Signer | undefined;
    if (options.sigv4) {
      const settings = options.sigv4 === true ? {} : options.sigv4;
      const region = settings.region ?? ampRegionFromUrl(options.url);
      if (!region) throw new Error(`cannot tell the AWS region of ${options.url}: pass sigv4.region`);
      signer = new SigV4Signer({ region, credentials: settings.credentials });
    }
    return new PrometheusMetricsSource(new PrometheusQueryClient({ baseUrl: options.url, timeoutMs: options.timeoutMs, method: options.method, signer }));
  }

  async workloadMetrics(namespace: string, workload: string, windowSeconds: number, options: { latencyHistogram?: boolean } = {}): Promise<WorkloadMetrics> {
    const selector = { namespace, workload };
    const window = Math.max(1, Math.round(windowSeconds));
    const [requests, errors, p99, buckets] = await Promise.all([
      this.client.queryValue(requestCountQuery(selector, window)),
      this.client.queryValue(errorCountQuery(selector, window)),
      this.client.queryValue(latencyQuantileQuery(selector, P99, window)),
      options.latencyHistogram ? this.client.queryVector(latencyBucketsQuery(selector, window)) : Promise.resolve([]),
    ]);
    const metrics = toWorkloadMetrics(requests, errors, p99);
    const latency = toHistogram(buckets);
    return latency ? { ...metrics, latency } : metrics;
  }

  /** Caller-reported calls per second between services; series missing a service label are skipped. */
  async callRates(windowSeconds: number): Promise<ServiceCallRate[]> {
    const samples = await this.client.queryVector(serviceCallRatesQuery(Math.max(1, Math.round(windowSeconds))));
    const rates: ServiceCallRate[] = [];
    for (const { labels, value } of samples) {
      const [fromNamespace, from, toNamespace, to] = [
        labels[CALL_RATE_LABELS.fromNamespace],
        labels[CALL_RATE_LABELS.from],
        labels[CALL_RATE_LABELS.toNamespace],
        labels[CALL_RATE_LABELS.to],
      ];
      // Istio reports "unknown" when it cannot tell (e.g. a caller without a sidecar).
      if (!from || !to || from === 'unknown' || to === 'unknown') continue;
      rates.push({ fromNamespace: fromNamespace ?? '', from, toNamespace: toNamespace ?? '', to, rps: value });
    }
    return rates;
  }

  /**
   * Every edge's rate, 5xx rate, p99 and zone crossings in three queries, however many services there
   * are. The zone series is optional (Istio's standard metrics have none): if it cannot be read, edges
   * come without `zones` rather than not at all.
   */
  async edgeTraffic(windowSeconds: number): Promise<EdgeTraffic[]> {
    const window = Math.max(1, Math.round(windowSeconds));
    const [requests, p99, zones] = await Promise.all([
      this.client.queryVector(edgeRequestRatesQuery(window)),
      this.client.queryVector(edgeLatencyQuantileQuery(P99, window)),
      this.client.queryVector(edgeZoneRatesQuery(window)).catch(() => []),
    ]);
    return toEdgeTraffic(requests, p99, zones);
  }
}

/**
 * Bucket samples (`le` label) as a histogram: finite bounds ascending, `+Inf` as the count. Undefined
 * without a `+Inf` bucket or without requests. Counts are made non-decreasing (extrapolated `increase()`
 * values of neighbouring buckets may disagree slightly).
 */
export function toHistogram(samples: { labels: Record<string, string>; value: number }[]): LatencyHistogram | undefined {
  let count: number | undefined;
  const finite: { le: number; count: number }[] = [];
  for (const { labels, value } of samples) {
    if (!Number.isFinite(value)) continue;
    const le = labels.le;
    if (le === '+Inf') count = Math.max(0, value);
    else if (le !== undefined && Number.isFinite(Number(le))) finite.push({ le: Number(le), count: Math.max(0, value) });
  }
  if (count === undefined || count <= 0) return undefined;
  finite.sort((a, b) => a.le - b.le);
  let below = 0;
  const buckets = finite.map((b) => ({ le: b.le, count: (below = Math.min(count!, Math.max(below, b.count))) }));
  return { buckets, count };
}

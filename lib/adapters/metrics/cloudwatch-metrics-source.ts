/**
 * MetricsSource over Amazon CloudWatch `GetMetricData`, for clusters whose request metrics go to
 * CloudWatch (Envoy/Istio metrics published as EMF or scraped by the CloudWatch agent) rather than
 * to Prometheus. Which namespace, metrics and dimensions identify a workload is configuration.
 *
 * It reports no latency histogram: CloudWatch keeps a latency metric as statistics (a percentile such
 * as p99), not as Prometheus' cumulative `le` buckets, so the sequential latency test has nothing to count
 * and rollouts judge latency by the `maxP99LatencyMs` limit alone (errors are tested sequentially as usual).
 *
 * It reports no per-edge traffic (`callRates`, `edgeTraffic`): the layout keys a metric by the serving
 * workload only. Istio metrics published with the caller's workload as a dimension too could give each
 * edge's rate and 5xx rate in one Metrics Insights query (`SELECT SUM(...) GROUP BY` both workloads), but
 * not its p99 (Metrics Insights aggregates SUM, AVG, MIN, MAX and COUNT, no percentiles) nor zones; the
 * mesh view then shows declared edges, priced at the cross-zone share predicted from where the pods run.
 */
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { MeshplaneError, TerminalError, TransientError, errorMessage } from '../../errors.js';
import type { MetricsSource, WorkloadMetrics } from '../../ports/metrics-source.js';
import { toWorkloadMetrics } from './workload-metrics.js';

/** A dimension; `{namespace}` and `{workload}` in the value are replaced by the workload's. */
export interface DimensionTemplate {
  name: string;
  value: string;
}

/** One CloudWatch metric and the statistic to read from it. */
export interface MetricRef {
  metricName: string;
  /** `Sum` for counts, a percentile such as `p99` for latency. */
  statistic: string;
  /** Dimensions added to the workload's, e.g. `{name: 'ResponseCodeClass', value: '5xx'}`. */
  extraDimensions?: DimensionTemplate[];
}

/**
 * Where a workload's request metrics live. Example for Istio metrics published with EMF:
 * `{ namespace: 'Meshplane/Istio', dimensions: [{name: 'Namespace', value: '{namespace}'},
 * {name: 'Workload', value: '{workload}'}], requestCount: {metricName: 'istio_requests_total',
 * statistic: 'Sum'}, errorCount: {metricName: 'istio_requests_total', statistic: 'Sum',
 * extraDimensions: [{name: 'ResponseCodeClass', value: '5xx'}]}, latency: {metricName:
 * 'istio_request_duration_milliseconds', statistic: 'p99'} }`.
 */
export interface CloudWatchMetricsConfig {
  namespace: string;
  dimensions: DimensionTemplate[];
  requestCount: MetricRef;
  errorCount: MetricRef;
  latency: MetricRef & {
    /** Multiplier from the metric's unit to milliseconds (1000 for seconds). Default 1. */
    toMilliseconds?: number;
  };
  /** Metrics are high-resolution, so periods of 1, 5, 10 or 30 s may be asked for. Default false. */
  highResolution?: boolean;
}

export interface CloudWatchMetricsSourceOptions {
  config: CloudWatchMetricsConfig;
  /** A configured client (region, credentials, retries, timeouts); defaults to one from the environment. */
  client?: CloudWatchClient;
  now?: () => Date;
}

const QUERY_IDS = { requests: 'requests', errors: 'errors', latency: 'latency' } as const;
const HIGH_RESOLUTION_PERIODS = [1, 5, 10, 30];
const THROTTLING_ERRORS = new Set(['Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottled', 'TooManyRequestsException']);

/**
 * Reads the latest period covering the window of request count, error count and latency of a
 * workload in one GetMetricData call. A period shorter than a minute needs high-resolution metrics;
 * otherwise the window is rounded up to whole minutes.
 */
export class CloudWatchMetricsSource implements MetricsSource {
  private readonly client: CloudWatchClient;
  private readonly now: () => Date;

  constructor(private readonly options: CloudWatchMetricsSourceOptions) {
    this.client = options.client ?? new CloudWatchClient({});
    this.now = options.now ?? (() => new Date());
  }

  async workloadMetrics(namespace: string, workload: string, windowSeconds: number): Promise<WorkloadMetrics> {
    const { config } = this.options;
    const period = periodFor(windowSeconds, config.highResolution ?? false);
    const end = this.now();
    const start = new Date(end.getTime() - period * 1000);
    const query = (id: string, metric: MetricRef): MetricDataQuery => ({
      Id: id,
      ReturnData: true,
      MetricStat: {
        Period: period,
        Stat: metric.statistic,
        Metric: {
          Namespace: config.namespace,
          MetricName: metric.metricName,
          Dimensions: [...config.dimensions, ...(metric.extraDimensions ?? [])].map((d) => ({
            Name: d.name,
            Value: d.value.replaceAll('{namespace}', namespace).replaceAll('{workload}', workload),
          })),
        },
      },
    });

    let results: MetricDataResult[];
    try {
      const output = await this.client.send(
        new GetMetricDataCommand({
          StartTime: start,
          EndTime: end,
          ScanBy: 'TimestampDescending',
          MetricDataQueries: [
            query(QUERY_IDS.requests, config.requestCount),
            query(QUERY_IDS.errors, config.errorCount),
            query(QUERY_IDS.latency, config.latency),
          ],
        }),
      );
      results = output.MetricDataResults ?? [];
    } catch (err) {
      throw translateCloudWatchError(err);
    }

    const latest = (id: string): number | undefined => results.find((r) => r.Id === id)?.Values?.[0];
    const latency = latest(QUERY_IDS.latency);
    return toWorkloadMetrics(
      latest(QUERY_IDS.requests),
      latest(QUERY_IDS.errors),
      latency === undefined ? undefined : latency * (config.latency.toMilliseconds ?? 1),
    );
  }
}

/** The GetMetricData period (seconds) for an analysis window. */
export function periodFor(windowSeconds: number, highResolution: boolean): number {
  if (highResolution) {
    const fit = HIGH_RESOLUTION_PERIODS.find((p) => p >= windowSeconds);
    if (fit !== undefined) return fit;
  }
  return Math.max(60, Math.ceil(windowSeconds / 60) * 60);
}

/**
 * CloudWatch (AWS SDK) errors as ours: throttling, 5xx and failures without an HTTP answer (network,
 * timeouts) may pass; any other refusal (bad parameter, access denied) will not.
 */
export function translateCloudWatchError(err: unknown): MeshplaneError {
  if (err instanceof MeshplaneError) return err;
  const e = err as { name?: string; $fault?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  const name = e?.name ?? 'Error';
  const message = `CloudWatch GetMetricData failed${status ? ` (${status} ${name})` : ` (${name})`}: ${errorMessage(err)}`;
  const transient = THROTTLING_ERRORS.has(name) || e?.$retryable !== undefined || status === undefined || status === 429 || status >= 500;
  return transient ? new TransientError(message, { cause: err }) : new TerminalError(message, { cause: err });
}

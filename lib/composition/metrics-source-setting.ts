/**
 * Which metrics source analyses read (METRICS_SOURCE), and its options, from the environment. Pure:
 * it names the source; the handlers that analyse build it (`optional-aws-clients.ts`), so only they
 * bundle the CloudWatch SDK client. No SDK is imported here, only the adapter's configuration type.
 */
import * as z from 'zod';
import type { CloudWatchMetricsConfig } from '../adapters/metrics/cloudwatch-metrics-source.js';

export const METRICS_SOURCES = ['prometheus', 'cloudwatch'] as const;
export type MetricsSourceKind = (typeof METRICS_SOURCES)[number];

/** The metrics setting: a source and what it needs, or none (analyses then fail with a clear message). */
export type MetricsSetting =
  { source: 'prometheus'; prometheusUrl: string } | { source: 'cloudwatch'; cloudWatch: CloudWatchMetricsConfig } | { source: 'none' };

/**
 * Where Istio request metrics published to CloudWatch with EMF live by default; CLOUDWATCH_METRICS_LAYOUT
 * (JSON) replaces any of these fields.
 */
export const DEFAULT_CLOUDWATCH_LAYOUT: Omit<CloudWatchMetricsConfig, 'namespace'> = {
  dimensions: [
    { name: 'Namespace', value: '{namespace}' },
    { name: 'Workload', value: '{workload}' },
  ],
  requestCount: { metricName: 'istio_requests_total', statistic: 'Sum' },
  errorCount: { metricName: 'istio_requests_total', statistic: 'Sum', extraDimensions: [{ name: 'ResponseCodeClass', value: '5xx' }] },
  latency: { metricName: 'istio_request_duration_milliseconds', statistic: 'p99' },
};

const Dimension = z.strictObject({ name: z.string().min(1), value: z.string().min(1) });
const MetricRef = z.strictObject({ metricName: z.string().min(1), statistic: z.string().min(1), extraDimensions: z.array(Dimension).optional() });
const Layout = z.strictObject({
  dimensions: z.array(Dimension).optional(),
  requestCount: MetricRef.optional(),
  errorCount: MetricRef.optional(),
  latency: MetricRef.extend({ toMilliseconds: z.number().positive().optional() }).optional(),
  highResolution: z.boolean().optional(),
});

/**
 * METRICS_SOURCE: `prometheus` (the default when PROMETHEUS_URL is set; it needs PROMETHEUS_URL) or
 * `cloudwatch` (needs CLOUDWATCH_METRICS_NAMESPACE; CLOUDWATCH_METRICS_LAYOUT optional). Unset and no
 * PROMETHEUS_URL: none. Throws one error naming every problem.
 */
export function metricsSettingFromEnv(env: NodeJS.ProcessEnv): MetricsSetting {
  const chosen = env.METRICS_SOURCE || (env.PROMETHEUS_URL ? 'prometheus' : undefined);
  if (chosen === undefined) return { source: 'none' };
  const problems: string[] = [];
  let setting: MetricsSetting | undefined;
  if (chosen === 'prometheus') {
    if (!env.PROMETHEUS_URL) problems.push('METRICS_SOURCE=prometheus needs PROMETHEUS_URL');
    else setting = { source: 'prometheus', prometheusUrl: env.PROMETHEUS_URL };
  } else if (chosen === 'cloudwatch') {
    const namespace = env.CLOUDWATCH_METRICS_NAMESPACE;
    if (!namespace) problems.push('METRICS_SOURCE=cloudwatch needs CLOUDWATCH_METRICS_NAMESPACE');
    const layout = parseLayout(env.CLOUDWATCH_METRICS_LAYOUT, problems);
    if (namespace && layout) setting = { source: 'cloudwatch', cloudWatch: { namespace, ...DEFAULT_CLOUDWATCH_LAYOUT, ...layout } };
  } else {
    problems.push(`METRICS_SOURCE must be one of ${METRICS_SOURCES.join(', ')} (got "${chosen}")`);
  }
  if (problems.length || !setting) throw new Error(`meshplane's metrics source is misconfigured: ${problems.join('; ')}`);
  return setting;
}

function parseLayout(raw: string | undefined, problems: string[]): z.infer<typeof Layout> | undefined {
  if (!raw) return {};
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    problems.push(`CLOUDWATCH_METRICS_LAYOUT is not JSON: ${(err as Error).message}`);
    return undefined;
  }
  const parsed = Layout.safeParse(json);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) problems.push(`CLOUDWATCH_METRICS_LAYOUT.${issue.path.join('.') || '(root)'}: ${issue.message}`);
  return undefined;
}

/**
 * METRICS_SOURCE: which metrics source the composition builds from the environment, and an analysis
 * through the composed app reading CloudWatch.
 *
 * There is no CloudWatch emulator here (neither LocalStack's free tier nor any embedded one serves
 * GetMetricData in this project), so CloudWatch is a hand-written fake at the SDK boundary: a local HTTP
 * server speaking the AWS JSON 1.0 protocol the SDK v3 client uses (POST, `X-Amz-Target:
 * GraniteServiceVersion20100801.GetMetricData`, `application/x-amz-json-1.0`), faithful to the real
 * answer's shape: `MetricDataResults` of `Id`, `Label`, `Timestamps` (epoch seconds), `Values`,
 * `StatusCode`, `Messages`, and a top-level `Messages` (no `NextToken`: one page holds the latest point).
 * It answers only the queries it is asked, by their Id and dimensions, so the request the composed client
 * sends is what is checked, not a canned reply.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CloudWatchMetricsSource } from '../../../lib/adapters/metrics/cloudwatch-metrics-source.js';
import { PrometheusMetricsSource } from '../../../lib/adapters/metrics/prometheus-metrics-source.js';
import { composeAlarmIntake } from '../../../lib/composition/alarm-intake.js';
import { composeAnalysingRolloutStarter, composeRolloutStarter } from '../../../lib/composition/handlers.js';
import { DEFAULT_CLOUDWATCH_LAYOUT, metricsSettingFromEnv } from '../../../lib/composition/metrics-source-setting.js';
import { runtimeConfigFromEnv, type RuntimeConfig } from '../../../lib/composition/runtime-config.js';
import { TerminalError } from '../../../lib/errors.js';
import { AnalysisPolicy } from '../../../lib/model/service-spec.js';
import type { AnalyzeRequest } from '../../../lib/model/rollout-task-contract.js';
import { analyzeStep } from '../../../lib/rollout/analyze-step.js';
import { startHttpStub, type ReceivedRequest, type StubAnswer } from '../adapters/metrics/http-stub.js';

/** What the CDK stack sets on every function. */
const REQUIRED = {
  TABLE_NAME: 'meshplane-test',
  SERVICE_EVENTS_QUEUE_URL: 'http://127.0.0.1:1/000000000000/service-events.fifo',
  DEPLOY_REQUESTS_QUEUE_URL: 'http://127.0.0.1:1/000000000000/deploy-requests.fifo',
  HEALTH_ALARMS_QUEUE_URL: 'http://127.0.0.1:1/000000000000/health-alarms.fifo',
  OPTIMIZER_RUNS_QUEUE_URL: 'http://127.0.0.1:1/000000000000/optimizer-runs.fifo',
  AWS_REGION: 'eu-west-1',
  AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1',
};
const CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const AMP = 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1234';

const configFrom = (env: NodeJS.ProcessEnv): RuntimeConfig => ({ ...runtimeConfigFromEnv({ ...REQUIRED, ...env }), credentials: CREDENTIALS });

describe('METRICS_SOURCE (the setting)', () => {
  it.each([
    { name: 'nothing set', env: {}, source: 'none' },
    { name: 'PROMETHEUS_URL alone: Prometheus (the default)', env: { PROMETHEUS_URL: AMP }, source: 'prometheus' },
    { name: 'METRICS_SOURCE=prometheus', env: { METRICS_SOURCE: 'prometheus', PROMETHEUS_URL: 'http://prom:9090' }, source: 'prometheus' },
    { name: 'METRICS_SOURCE=cloudwatch', env: { METRICS_SOURCE: 'cloudwatch', CLOUDWATCH_METRICS_NAMESPACE: 'Meshplane/Istio' }, source: 'cloudwatch' },
    {
      name: 'cloudwatch wins over a PROMETHEUS_URL also set',
      env: { METRICS_SOURCE: 'cloudwatch', CLOUDWATCH_METRICS_NAMESPACE: 'Meshplane/Istio', PROMETHEUS_URL: 'http://prom:9090' },
      source: 'cloudwatch',
    },
  ])('$name → $source', ({ env, source }) => {
    expect(metricsSettingFromEnv(env).source).toBe(source);
  });

  it('uses the Istio EMF layout by default and lets CLOUDWATCH_METRICS_LAYOUT replace fields of it', () => {
    expect(metricsSettingFromEnv({ METRICS_SOURCE: 'cloudwatch', CLOUDWATCH_METRICS_NAMESPACE: 'NS' })).toEqual({
      source: 'cloudwatch',
      cloudWatch: { namespace: 'NS', ...DEFAULT_CLOUDWATCH_LAYOUT },
    });
    const latency = { metricName: 'request_duration_seconds', statistic: 'p99', toMilliseconds: 1000 };
    const setting = metricsSettingFromEnv({
      METRICS_SOURCE: 'cloudwatch',
      CLOUDWATCH_METRICS_NAMESPACE: 'NS',
      CLOUDWATCH_METRICS_LAYOUT: JSON.stringify({ latency, highResolution: true }),
    });
    expect(setting).toEqual({ source: 'cloudwatch', cloudWatch: { namespace: 'NS', ...DEFAULT_CLOUDWATCH_LAYOUT, latency, highResolution: true } });
  });

  it.each([
    { name: 'an unknown source', env: { METRICS_SOURCE: 'datadog' }, problems: ['METRICS_SOURCE must be one of prometheus, cloudwatch (got "datadog")'] },
    { name: 'prometheus without a URL', env: { METRICS_SOURCE: 'prometheus' }, problems: ['METRICS_SOURCE=prometheus needs PROMETHEUS_URL'] },
    {
      name: 'cloudwatch without a namespace and with a bad layout (every problem at once)',
      env: { METRICS_SOURCE: 'cloudwatch', CLOUDWATCH_METRICS_LAYOUT: '{"latency":{"metricName":""},"colour":1}' },
      problems: ['needs CLOUDWATCH_METRICS_NAMESPACE', 'CLOUDWATCH_METRICS_LAYOUT.latency.metricName', 'CLOUDWATCH_METRICS_LAYOUT.latency.statistic', 'colour'],
    },
    {
      name: 'a layout that is not JSON',
      env: { METRICS_SOURCE: 'cloudwatch', CLOUDWATCH_METRICS_NAMESPACE: 'NS', CLOUDWATCH_METRICS_LAYOUT: '{' },
      problems: ['is not JSON'],
    },
  ])('refuses $name, naming every problem', ({ env, problems }) => {
    let message = '';
    try {
      runtimeConfigFromEnv({ ...REQUIRED, ...env });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^meshplane's metrics source is misconfigured: /);
    for (const p of problems) expect(message).toContain(p);
  });
});

describe('the composition picks the metrics source from the environment', () => {
  const unconfigured = 'unconfigured';
  it.each([
    { name: 'nothing set', env: {}, analysing: unconfigured, other: unconfigured },
    { name: 'PROMETHEUS_URL', env: { PROMETHEUS_URL: AMP }, analysing: PrometheusMetricsSource, other: PrometheusMetricsSource },
    {
      name: 'METRICS_SOURCE=cloudwatch',
      env: { METRICS_SOURCE: 'cloudwatch', CLOUDWATCH_METRICS_NAMESPACE: 'Meshplane/Istio' },
      analysing: CloudWatchMetricsSource,
      // The handlers that do not analyse never build the CloudWatch client (their bundles do not carry it).
      other: unconfigured,
    },
  ])('$name', async ({ env, analysing, other }) => {
    const config = configFrom(env);
    const check = async (metrics: object & { workloadMetrics: (n: string, w: string, s: number) => Promise<unknown> }, expected: typeof analysing) => {
      if (expected === unconfigured) {
        expect(metrics).not.toBeInstanceOf(PrometheusMetricsSource);
        expect(metrics).not.toBeInstanceOf(CloudWatchMetricsSource);
        await expect(metrics.workloadMetrics('shop', 'cart', 60)).rejects.toBeInstanceOf(TerminalError);
      } else {
        expect(metrics).toBeInstanceOf(expected);
      }
    };
    await check(composeAnalysingRolloutStarter(config).metrics, analysing);
    await check(composeRolloutStarter(config).metrics, other);
    // The alarm intake judges no metrics: it composes no metrics source at all.
    expect('metrics' in composeAlarmIntake(config)).toBe(false);
  });
});

/** The parts of a GetMetricData request body (AWS JSON 1.0: timestamps in epoch seconds) the fake reads. */
interface GetMetricDataInput {
  EndTime: number;
  MetricDataQueries: {
    Id: string;
    MetricStat: { Period: number; Stat: string; Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] } };
  }[];
}

/** GetMetricData as CloudWatch answers it, for queries on `Workload` dimension values in `byWorkload`. */
function fakeGetMetricData(byWorkload: Record<string, { requests: number; errors: number; p99: number }>) {
  return (request: ReceivedRequest): StubAnswer => {
    const json = { 'content-type': 'application/x-amz-json-1.0' };
    if (request.method !== 'POST' || request.headers['x-amz-target'] !== 'GraniteServiceVersion20100801.GetMetricData') {
      return {
        status: 400,
        headers: { ...json, 'x-amzn-query-error': 'InvalidAction;Sender' },
        body: { __type: 'com.amazonaws.cloudwatch#InvalidAction', message: 'unknown operation' },
      };
    }
    const input = JSON.parse(request.body) as GetMetricDataInput;
    const MetricDataResults = input.MetricDataQueries.map((q) => {
      const dims = Object.fromEntries(q.MetricStat.Metric.Dimensions.map((d) => [d.Name, d.Value]));
      const data = byWorkload[dims.Workload];
      const value = !data ? undefined : q.MetricStat.Stat === 'p99' ? data.p99 : dims.ResponseCodeClass === '5xx' ? data.errors : data.requests;
      const periodStart = input.EndTime - q.MetricStat.Period;
      return {
        Id: q.Id,
        Label: q.MetricStat.Metric.MetricName,
        Timestamps: value === undefined ? [] : [periodStart],
        Values: value === undefined ? [] : [value],
        StatusCode: 'Complete',
        Messages: [],
      };
    });
    return { headers: json, body: { MetricDataResults, Messages: [] } };
  };
}

describe('an analysis through the composed app, on CloudWatch', () => {
  let stub: Awaited<ReturnType<typeof startHttpStub>> | undefined;
  afterEach(async () => {
    await stub?.close();
    stub = undefined;
  });

  it('reads the error rate and p99 of the canary and stable from GetMetricData and judges them', async () => {
    stub = await startHttpStub(
      fakeGetMetricData({
        'cart-canary': { requests: 400, errors: 40, p99: 180 },
        cart: { requests: 3600, errors: 4, p99: 95 },
      }),
    );
    const app = composeAnalysingRolloutStarter(
      configFrom({ METRICS_SOURCE: 'cloudwatch', CLOUDWATCH_METRICS_NAMESPACE: 'Meshplane/Istio', AWS_ENDPOINT_URL_CLOUDWATCH: stub.url }),
    );
    const request: AnalyzeRequest = {
      action: 'analyze',
      deploymentId: 'dep-1',
      service: 'cart',
      namespace: 'shop',
      track: 'canary',
      phase: 'step',
      stepIndex: 0,
      weight: 10,
      observedSeconds: 60,
      stepCount: 1,
      minObservedSeconds: 60,
      gate: 'auto',
      gateTimeoutSeconds: 14_400,
      analysis: AnalysisPolicy.parse({ intervalSeconds: 60 }),
    };

    const result = await analyzeStep(app.metrics, request);

    expect(result.canary).toEqual({ requests: 400, errors: 40, errorRate: 0.1, p99LatencyMs: 180 });
    expect(result.stable).toEqual({ requests: 3600, errors: 4, errorRate: 4 / 3600, p99LatencyMs: 95 });
    expect(result.verdict).toBe('fail');
    // Both workloads, in the namespace the setting names, signed for the configured region.
    const asked = stub.requests.map((r) => JSON.parse(r.body) as GetMetricDataInput);
    expect(asked.flatMap((b) => b.MetricDataQueries.map((q) => q.MetricStat.Metric.Namespace))).toEqual(Array(6).fill('Meshplane/Istio'));
    expect(asked.map((b) => b.MetricDataQueries[0].MetricStat.Metric.Dimensions.map((d) => d.Value).join('/')).sort()).toEqual([
      'shop/cart',
      'shop/cart-canary',
    ]);
    expect(stub.requests.every((r) => String(r.headers.authorization).includes('/eu-west-1/monitoring/aws4_request'))).toBe(true);
  });
});

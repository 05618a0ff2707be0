/**
 * The CloudWatch adapter with the real AWS SDK client pointed at a boundary stub: a local HTTP server
 * that answers GetMetricData in the AWS JSON 1.0 protocol the SDK speaks (there is no CloudWatch
 * emulator here). It checks the request the adapter builds, the mapping of the answer to
 * WorkloadMetrics and the translation of errors.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterEach, describe, expect, it } from 'vitest';
import { CloudWatchMetricsSource, periodFor, type CloudWatchMetricsConfig } from '../../../../lib/adapters/metrics/cloudwatch-metrics-source.js';
import { TerminalError, TransientError } from '../../../../lib/errors.js';
import { startHttpStub, unusedUrl, type StubAnswer } from './http-stub.js';

const CONFIG: CloudWatchMetricsConfig = {
  namespace: 'Meshplane/Istio',
  dimensions: [
    { name: 'Namespace', value: '{namespace}' },
    { name: 'Workload', value: '{workload}' },
  ],
  requestCount: { metricName: 'istio_requests_total', statistic: 'Sum' },
  errorCount: { metricName: 'istio_requests_total', statistic: 'Sum', extraDimensions: [{ name: 'ResponseCodeClass', value: '5xx' }] },
  latency: { metricName: 'request_duration_seconds', statistic: 'p99', toMilliseconds: 1000 },
};
const NOW = new Date('2024-05-06T07:08:09Z');

let stub: Awaited<ReturnType<typeof startHttpStub>> | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

function sourceFor(endpoint: string, config: CloudWatchMetricsConfig = CONFIG) {
  const client = new CloudWatchClient({
    endpoint,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
  return new CloudWatchMetricsSource({ config, client, now: () => NOW });
}

function results(values: Record<string, number[]>): StubAnswer {
  const t = NOW.getTime() / 1000;
  return {
    headers: { 'content-type': 'application/x-amz-json-1.0' },
    body: {
      MetricDataResults: Object.entries(values).map(([Id, Values]) => ({
        Id,
        Label: Id,
        Timestamps: Values.map((_, i) => t - 60 * (i + 1)),
        Values,
        StatusCode: 'Complete',
      })),
      Messages: [],
    },
  };
}

describe('CloudWatchMetricsSource', () => {
  it('asks GetMetricData for the three metrics of the workload and maps the latest values', async () => {
    stub = await startHttpStub(() => results({ requests: [480, 999], errors: [12, 0], latency: [0.2505, 9] }));
    const metrics = await sourceFor(stub.url).workloadMetrics('shop', 'cart-canary', 30);

    expect(metrics).toEqual({ requests: 480, errors: 12, errorRate: 0.025, p99LatencyMs: 250.5 });
    const [request] = stub.requests;
    expect(request.headers['x-amz-target']).toBe('GraniteServiceVersion20100801.GetMetricData');
    const body = JSON.parse(request.body) as {
      StartTime: number;
      EndTime: number;
      ScanBy: string;
      MetricDataQueries: {
        Id: string;
        MetricStat: { Period: number; Stat: string; Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] } };
      }[];
    };
    expect(body.ScanBy).toBe('TimestampDescending');
    expect(body.EndTime - body.StartTime).toBe(60); // a 30 s window needs high-resolution metrics; standard ones give one minute
    const byId = Object.fromEntries(body.MetricDataQueries.map((q) => [q.Id, q.MetricStat]));
    expect(byId.requests).toEqual({
      Period: 60,
      Stat: 'Sum',
      Metric: {
        Namespace: 'Meshplane/Istio',
        MetricName: 'istio_requests_total',
        Dimensions: [
          { Name: 'Namespace', Value: 'shop' },
          { Name: 'Workload', Value: 'cart-canary' },
        ],
      },
    });
    expect(byId.errors.Metric.Dimensions).toContainEqual({ Name: 'ResponseCodeClass', Value: '5xx' });
    expect(byId.latency).toMatchObject({ Stat: 'p99', Metric: { MetricName: 'request_duration_seconds' } });
  });

  it('reads a workload without datapoints as idle', async () => {
    stub = await startHttpStub(() => results({ requests: [], errors: [], latency: [] }));
    expect(await sourceFor(stub.url).workloadMetrics('shop', 'cart', 120)).toEqual({ requests: 0, errors: 0, errorRate: 0, p99LatencyMs: undefined });
  });

  const failures: { name: string; answer: StubAnswer; type: typeof TransientError | typeof TerminalError; message: RegExp }[] = [
    {
      name: 'an invalid parameter',
      answer: {
        status: 400,
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': 'InvalidParameterValue;Sender' },
        body: { __type: 'com.amazonaws.cloudwatch#InvalidParameterValueException', message: 'The parameter Period must be a multiple of 60' },
      },
      type: TerminalError,
      message: /400 .*Period must be a multiple of 60/,
    },
    {
      name: 'access denied',
      answer: {
        status: 403,
        headers: { 'content-type': 'application/x-amz-json-1.0' },
        body: { __type: 'AccessDeniedException', message: 'not authorized to perform cloudwatch:GetMetricData' },
      },
      type: TerminalError,
      message: /403/,
    },
    {
      name: 'throttling',
      answer: {
        status: 400,
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': 'Throttling;Sender' },
        body: { __type: 'ThrottlingException', message: 'Rate exceeded' },
      },
      type: TransientError,
      message: /Rate exceeded/,
    },
    {
      name: 'an internal error',
      answer: { status: 500, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: { __type: 'InternalServiceFault', message: 'internal failure' } },
      type: TransientError,
      message: /500/,
    },
  ];

  it.each(failures)('translates $name to $type.name', async ({ answer, type, message }) => {
    stub = await startHttpStub(() => answer);
    const error = await sourceFor(stub.url)
      .workloadMetrics('shop', 'cart', 60)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
  });

  it('translates a refused connection to TransientError', async () => {
    await expect(sourceFor(await unusedUrl()).workloadMetrics('shop', 'cart', 60)).rejects.toBeInstanceOf(TransientError);
  });
});

describe('periodFor', () => {
  it.each([
    [30, false, 60],
    [60, false, 60],
    [61, false, 120],
    [300, false, 300],
    [1, true, 1],
    [7, true, 10],
    [30, true, 30],
    [45, true, 60],
  ])('window %i s (high resolution: %s) → period %i s', (window, highResolution, period) => {
    expect(periodFor(window, highResolution)).toBe(period);
  });
});

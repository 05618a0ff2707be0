/**
 * The Prometheus adapter against a stand-in: a tiny local HTTP server answering `/api/v1/query` in the
 * Prometheus HTTP API format. It checks the exact requests the adapter sends, SigV4 on the wire, and
 * failure modes (status codes, malformed answers, hangs) that a real server cannot be made to produce
 * on demand. `prometheus-metrics-source.sim.test.ts` runs the adapter against the simulated cluster.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PrometheusMetricsSource } from '../../../../lib/adapters/metrics/prometheus-metrics-source.js';
import { PrometheusQueryClient } from '../../../../lib/adapters/metrics/prometheus-query-client.js';
import { TerminalError, TransientError } from '../../../../lib/errors.js';
import { errorCountQuery, latencyBucketsQuery, latencyQuantileQuery, requestCountQuery } from '../../../../lib/model/istio-metrics.js';
import { startHttpStub, unusedUrl, type ReceivedRequest, type StubAnswer } from './http-stub.js';
import { expectedSigV4Signature } from './sigv4-reference.js';

const W = { namespace: 'shop', workload: 'cart-canary' };

function vector(value?: string): StubAnswer {
  return { body: { status: 'success', data: { resultType: 'vector', result: value === undefined ? [] : [{ metric: {}, value: [1_700_000_000.5, value] }] } } };
}

function queryOf(r: ReceivedRequest): string {
  return (r.method === 'POST' ? new URLSearchParams(r.body) : r.url.searchParams).get('query') ?? '';
}

/** One sample per bucket bound, as `sum(...) by (le)` answers. */
function buckets(values: Record<string, string>): StubAnswer {
  const result = Object.entries(values).map(([le, value]) => ({ metric: { le }, value: [1_700_000_000.5, value] }));
  return { body: { status: 'success', data: { resultType: 'vector', result } } };
}

/** Answers each of the four Istio queries with the given sample value(s) (undefined: no series). */
function istioAnswers(values: { requests?: string; errors?: string; p99?: string; buckets?: Record<string, string> }) {
  return (r: ReceivedRequest): StubAnswer => {
    const q = queryOf(r);
    if (q === requestCountQuery(W, 30)) return vector(values.requests);
    if (q === errorCountQuery(W, 30)) return vector(values.errors);
    if (q === latencyQuantileQuery(W, 0.99, 30)) return vector(values.p99);
    if (q === latencyBucketsQuery(W, 30)) return buckets(values.buckets ?? {});
    return { status: 400, body: { status: 'error', errorType: 'bad_data', error: `unexpected query ${q}` } };
  };
}

let stub: Awaited<ReturnType<typeof startHttpStub>> | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

describe('PrometheusMetricsSource', () => {
  it('POSTs the four Istio queries to /api/v1/query and maps the answers (the histogram when asked, as rollout analysis does)', async () => {
    // Buckets out of order, one count extrapolated slightly below its smaller neighbour's (increase() does that).
    stub = await startHttpStub(
      istioAnswers({ requests: '240', errors: '6', p99: '312.5', buckets: { '+Inf': '240', '250': '230.5', '100': '120', '50': '120.2' } }),
    );
    const source = PrometheusMetricsSource.fromOptions({ url: stub.url });

    expect(await source.workloadMetrics('shop', 'cart-canary', 30, { latencyHistogram: true })).toEqual({
      requests: 240,
      errors: 6,
      errorRate: 0.025,
      p99LatencyMs: 312.5,
      latency: {
        count: 240,
        buckets: [
          { le: 50, count: 120.2 },
          { le: 100, count: 120.2 },
          { le: 250, count: 230.5 },
        ],
      },
    });
    expect(stub.requests.map((r) => [r.method, r.url.pathname, r.headers['content-type']])).toEqual(
      Array(4).fill(['POST', '/api/v1/query', 'application/x-www-form-urlencoded']),
    );
    expect(stub.requests.map(queryOf).sort()).toEqual(
      [requestCountQuery(W, 30), errorCountQuery(W, 30), latencyQuantileQuery(W, 0.99, 30), latencyBucketsQuery(W, 30)].sort(),
    );
  });

  it('skips the histogram query unless asked (the health probe needs no buckets)', async () => {
    stub = await startHttpStub(istioAnswers({ requests: '240', errors: '6', p99: '312.5', buckets: { '+Inf': '240' } }));
    const metrics = await PrometheusMetricsSource.fromOptions({ url: stub.url }).workloadMetrics('shop', 'cart-canary', 30);
    expect(metrics.latency).toBeUndefined();
    expect(stub.requests.map(queryOf)).not.toContain(latencyBucketsQuery(W, 30));
  });

  it('reports no histogram when the bucket series are missing (latency is then judged by p99 alone)', async () => {
    stub = await startHttpStub(istioAnswers({ requests: '240', errors: '0', p99: '80', buckets: { '100': '200' } }));
    const metrics = await PrometheusMetricsSource.fromOptions({ url: stub.url }).workloadMetrics('shop', 'cart-canary', 30, { latencyHistogram: true });
    expect(metrics.latency).toBeUndefined();
    expect(metrics.p99LatencyMs).toBe(80);
  });

  it('can send GET with the query in the URL, under a base path such as an AMP workspace', async () => {
    stub = await startHttpStub(istioAnswers({ requests: '100', errors: '0', p99: '20' }));
    const source = PrometheusMetricsSource.fromOptions({ url: `${stub.url}/workspaces/ws-1/`, method: 'GET' });
    expect((await source.workloadMetrics('shop', 'cart-canary', 30)).requests).toBe(100);
    expect(stub.requests.every((r) => r.method === 'GET' && r.url.pathname === '/workspaces/ws-1/api/v1/query')).toBe(true);
  });

  it('reads an idle workload (no series, NaN quantile) as zero requests and unknown latency', async () => {
    stub = await startHttpStub(istioAnswers({ p99: 'NaN' }));
    const source = PrometheusMetricsSource.fromOptions({ url: stub.url });
    expect(await source.workloadMetrics('shop', 'cart-canary', 30)).toEqual({ requests: 0, errors: 0, errorRate: 0, p99LatencyMs: undefined });
  });

  it('signs every request with SigV4 for service aps when asked', async () => {
    const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret/key+test', sessionToken: 'session-1' };
    stub = await startHttpStub(istioAnswers({ requests: '60', errors: '0', p99: '10' }));
    const source = PrometheusMetricsSource.fromOptions({ url: stub.url, sigv4: { region: 'us-west-2', credentials } });
    await source.workloadMetrics('shop', 'cart-canary', 30);

    for (const r of stub.requests) {
      const reference = expectedSigV4Signature({
        method: 'POST',
        path: r.url.pathname,
        query: '',
        headers: r.headers,
        body: r.body,
        secretAccessKey: credentials.secretAccessKey,
      });
      expect(reference.credential).toMatch(/^AKIDTEST\/\d{8}\/us-west-2\/aps\/aws4_request$/);
      expect(r.headers.authorization).toContain(`Signature=${reference.signature}`);
      expect(r.headers['x-amz-security-token']).toBe('session-1');
    }
  });

  it('needs a region for SigV4 when the URL is not an AMP workspace', () => {
    expect(() => PrometheusMetricsSource.fromOptions({ url: 'http://127.0.0.1:9090', sigv4: true })).toThrow(/region/);
  });
});

describe('PrometheusQueryClient errors', () => {
  const failures: { name: string; answer: StubAnswer; type: typeof TransientError | typeof TerminalError; message: RegExp }[] = [
    {
      name: '400 bad_data (a bad query)',
      answer: { status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error at char 4' } },
      type: TerminalError,
      message: /400 .*bad_data: parse error at char 4/,
    },
    {
      name: '422 execution error',
      answer: { status: 422, body: { status: 'error', errorType: 'execution', error: 'many-to-many matching' } },
      type: TerminalError,
      message: /422/,
    },
    {
      name: '403 forbidden (no AMP permission)',
      answer: { status: 403, body: '{"message":"User is not authorized"}' },
      type: TerminalError,
      message: /403 .*not authorized/,
    },
    {
      name: '503 unavailable / query timeout',
      answer: { status: 503, body: { status: 'error', errorType: 'timeout', error: 'query timed out' } },
      type: TransientError,
      message: /503/,
    },
    { name: '429 throttled', answer: { status: 429, body: '{"message":"Rate exceeded"}' }, type: TransientError, message: /429/ },
    {
      name: '200 with something that is not a query result',
      answer: { status: 200, body: '<html>login</html>' },
      type: TerminalError,
      message: /not a query result/,
    },
    {
      name: '200 with several series for an aggregate',
      answer: {
        body: {
          status: 'success',
          data: {
            resultType: 'vector',
            result: [
              { metric: { a: '1' }, value: [1, '1'] },
              { metric: { a: '2' }, value: [1, '2'] },
            ],
          },
        },
      },
      type: TerminalError,
      message: /2 series/,
    },
  ];

  it.each(failures)('$name → $type.name', async ({ answer, type, message }) => {
    stub = await startHttpStub(() => answer);
    const client = new PrometheusQueryClient({ baseUrl: stub.url });
    const error = await client.queryValue('up').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
  });

  it('a refused connection is transient', async () => {
    const client = new PrometheusQueryClient({ baseUrl: await unusedUrl() });
    await expect(client.queryValue('up')).rejects.toBeInstanceOf(TransientError);
  });

  it('a server that does not answer in time is transient', async () => {
    stub = await startHttpStub(() => ({ hang: true }));
    const client = new PrometheusQueryClient({ baseUrl: stub.url, timeoutMs: 100 });
    await expect(client.queryValue('up')).rejects.toThrow(/timed out after 100 ms/);
    await expect(client.queryValue('up')).rejects.toBeInstanceOf(TransientError);
  });

  it('accepts a scalar result', async () => {
    stub = await startHttpStub(() => ({ body: { status: 'success', data: { resultType: 'scalar', result: [1, '42'] } } }));
    expect(await new PrometheusQueryClient({ baseUrl: stub.url }).queryValue('42')).toBe(42);
  });
});

import { describe, expect, it } from 'vitest';
import { errorCountQuery, latencyQuantileQuery, requestCountQuery } from '../../../lib/model/istio-metrics.js';
import { answerQuery } from '../../../lib/sim/prometheus-api.js';
import { evaluate, histogramQuantile } from '../../../lib/sim/promql-eval.js';
import { PromQlError, parsePromQl } from '../../../lib/sim/promql.js';
import type { CounterSeries } from '../../../lib/sim/workload-telemetry.js';

const w = { namespace: 'shop', workload: 'cart-canary' };

describe('parsePromQl', () => {
  it('parses the request count query meshplane sends', () => {
    expect(parsePromQl(requestCountQuery(w, 60))).toEqual({
      type: 'aggregate',
      op: 'sum',
      grouping: undefined,
      expr: {
        type: 'call',
        func: 'increase',
        args: [
          {
            type: 'selector',
            metric: 'istio_requests_total',
            matchers: [
              { name: 'reporter', op: '=', value: 'destination' },
              { name: 'destination_workload_namespace', op: '=', value: 'shop' },
              { name: 'destination_workload', op: '=', value: 'cart-canary' },
            ],
            rangeSeconds: 60,
          },
        ],
      },
    });
  });

  it('parses the latency query with its by (le) clause and the 5xx regex matcher', () => {
    const latency = parsePromQl(latencyQuantileQuery(w, 0.99, 30));
    expect(latency).toMatchObject({
      type: 'call',
      func: 'histogram_quantile',
      args: [
        { type: 'number', value: 0.99 },
        { type: 'aggregate', grouping: { mode: 'by', labels: ['le'] } },
      ],
    });
    const errors = parsePromQl(errorCountQuery(w, 30)) as any;
    expect(errors.expr.args[0].matchers).toContainEqual({ name: 'response_code', op: '=~', value: '5..' });
  });

  it.each(['avg(up)', 'sum(increase(x[5s])', 'sum(increase(x{a=b}[5s]))', 'foo(x)', 'x[5s', ''])('rejects %j', (q) => {
    expect(() => parsePromQl(q)).toThrow(PromQlError);
  });
});

/** A counter growing linearly at `rate` per second from t = 0. */
function series(labels: Record<string, string>, rate: number): CounterSeries {
  return { labels, valueAt: (t) => (Math.max(0, t) / 1000) * rate };
}

const sel = { reporter: 'destination', destination_workload_namespace: 'shop', destination_workload: 'cart-canary' };
const all: CounterSeries[] = [
  series({ __name__: 'istio_requests_total', ...sel, response_code: '200' }, 9),
  series({ __name__: 'istio_requests_total', ...sel, response_code: '503' }, 1),
  series({ __name__: 'istio_requests_total', ...sel, destination_workload: 'cart', response_code: '200' }, 100),
];

describe('evaluate', () => {
  it('sums increases over the window of matching series only', () => {
    const result = evaluate(parsePromQl(requestCountQuery(w, 60)), all, 600_000);
    expect(result).toEqual({ type: 'vector', samples: [{ labels: {}, value: 600 }] });
    const errors = evaluate(parsePromQl(errorCountQuery(w, 60)), all, 600_000);
    expect(errors).toEqual({ type: 'vector', samples: [{ labels: {}, value: 60 }] });
  });
});

describe('histogramQuantile', () => {
  const b = (le: string, value: number) => ({ labels: { le }, value });
  it.each([
    // 100 requests: 50 ≤ 10 ms, 90 ≤ 50 ms, all ≤ 100 ms.
    [0.5, 10],
    [0.9, 50],
    [0.7, 10 + (40 * 20) / 40],
    [0.99, 50 + (50 * 9) / 10],
  ])('q=%s → %s ms (linear interpolation inside the bucket)', (q, expected) => {
    const [result] = histogramQuantile(q, [b('10', 50), b('50', 90), b('100', 100), b('+Inf', 100)]);
    expect(result.value).toBeCloseTo(expected, 9);
  });

  it('returns the highest finite bound when the rank falls in +Inf, and nothing for an empty histogram', () => {
    expect(histogramQuantile(0.99, [b('10', 50), b('+Inf', 100)])[0].value).toBe(10);
    expect(histogramQuantile(0.99, [b('10', 0), b('+Inf', 0)])).toEqual([]);
  });
});

describe('answerQuery', () => {
  it('answers in the Prometheus HTTP API format with the value as a string', () => {
    const { status, body } = answerQuery(requestCountQuery(w, 60), all, 600_000);
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [600, '600'] }] } });
  });

  it('answers an empty vector for a workload without data, and bad_data for unparseable queries', () => {
    expect(answerQuery(requestCountQuery({ namespace: 'x', workload: 'y' }, 60), all, 600_000).body).toEqual({
      status: 'success',
      data: { resultType: 'vector', result: [] },
    });
    const bad = answerQuery('rate(up)', all, 0);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ status: 'error', errorType: 'bad_data' });
  });
});

describe('selecting from many series', () => {
  const many: CounterSeries[] = Array.from({ length: 300 }, (_, i) => ({
    labels: {
      __name__: i % 3 === 0 ? 'istio_request_duration_milliseconds_bucket' : 'istio_requests_total',
      reporter: i % 2 ? 'source' : 'destination',
      destination_workload_namespace: 'shop',
      destination_workload: `svc-${i % 10}`,
      response_code: i % 5 ? '200' : '503',
    },
    valueAt: () => i,
  }));
  const scanned = (query: string) => {
    const sel = parsePromQl(query) as Extract<ReturnType<typeof parsePromQl>, { type: 'selector' }>;
    const { matchers } = sel;
    return many
      .filter(
        (s) =>
          s.labels.__name__ === sel.metric &&
          matchers.every((m) => (m.op === '=' ? (s.labels[m.name] ?? '') === m.value : (s.labels[m.name] ?? '') !== m.value)),
      )
      .map((s) => s.valueAt(0))
      .sort((a, b) => a - b);
  };
  const selected = (query: string) => {
    const result = evaluate(parsePromQl(query), many, 0);
    return result.type === 'vector' ? result.samples.map((s) => s.value).sort((a, b) => a - b) : [];
  };

  it('answers as a scan of every series would, query after query on the same list', () => {
    for (const query of [
      'istio_requests_total{reporter="destination",destination_workload="svc-3"}',
      'istio_requests_total{destination_workload="svc-4",response_code="503"}',
      'istio_requests_total{reporter="source",response_code!="200"}',
      'istio_requests_total{destination_workload="nobody"}',
      'istio_requests_total{destination_workload=""}',
      'istio_request_duration_milliseconds_bucket{destination_workload_namespace="shop",destination_workload="svc-6"}',
      'istio_requests_total{reporter="destination",destination_workload="svc-3"}',
    ])
      expect(selected(query), query).toEqual(scanned(query));
  });
});

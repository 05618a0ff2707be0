/** `PrometheusMetricsSource.callRates` against a stand-in query API: the query sent and how answers map. */
import { afterEach, describe, expect, it } from 'vitest';
import { PrometheusMetricsSource } from '../../../../lib/adapters/metrics/prometheus-metrics-source.js';
import { TerminalError } from '../../../../lib/errors.js';
import { serviceCallRatesQuery } from '../../../../lib/model/istio-metrics.js';
import { startHttpStub, type StubAnswer } from './http-stub.js';

let stub: Awaited<ReturnType<typeof startHttpStub>> | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

const edge = (from: string, to: string, value: string, namespaces: [string, string] = ['shop', 'shop']) => ({
  metric: {
    source_workload_namespace: namespaces[0],
    source_canonical_service: from,
    destination_workload_namespace: namespaces[1],
    destination_canonical_service: to,
  },
  value: [1_700_000_000, value],
});

async function callRatesFrom(answer: StubAnswer, windowSeconds = 300) {
  stub = await startHttpStub(() => answer);
  return PrometheusMetricsSource.fromOptions({ url: stub.url }).callRates(windowSeconds);
}

describe('PrometheusMetricsSource.callRates', () => {
  it('sends the caller-side per-service query for the window, rounded to whole seconds', async () => {
    await callRatesFrom({ body: { status: 'success', data: { resultType: 'vector', result: [] } } }, 299.6);
    expect(new URLSearchParams(stub!.requests[0].body).get('query')).toBe(serviceCallRatesQuery(300));
    expect(serviceCallRatesQuery(300)).toBe(
      'sum by (source_workload_namespace, source_canonical_service, destination_workload_namespace, destination_canonical_service) (rate(istio_requests_total{reporter="source"}[300s]))',
    );
  });

  it('maps each series to a rate; "unknown" ends, missing labels and NaN samples are left out', async () => {
    const rates = await callRatesFrom({
      body: {
        status: 'success',
        data: {
          resultType: 'vector',
          result: [
            edge('web', 'cart', '41.5'),
            edge('cart', 'pricing', '12', ['shop', 'billing']),
            edge('unknown', 'cart', '3'),
            edge('web', 'unknown', '3'),
            edge('web', 'search', 'NaN'),
            { metric: { destination_canonical_service: 'cart' }, value: [1_700_000_000, '9'] },
          ],
        },
      },
    });
    expect(rates).toEqual([
      { fromNamespace: 'shop', from: 'web', toNamespace: 'shop', to: 'cart', rps: 41.5 },
      { fromNamespace: 'shop', from: 'cart', toNamespace: 'billing', to: 'pricing', rps: 12 },
    ]);
  });

  it.each([
    { name: 'a matrix instead of a vector', answer: { body: { status: 'success', data: { resultType: 'matrix', result: [] } } } },
    { name: 'a bad query', answer: { status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error' } } },
  ])('$name is a TerminalError', async ({ answer }) => {
    await expect(callRatesFrom(answer)).rejects.toBeInstanceOf(TerminalError);
  });
});

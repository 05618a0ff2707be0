import { describe, expect, it } from 'vitest';
import { TransientError } from '../../../../lib/errors.js';
import type { MetricsSource, ServiceCallRate } from '../../../../lib/ports/metrics-source.js';
import { callsBetweenServices, readObservedTraffic } from '../../../../lib/usecases/optimizer/observed-traffic.js';
import { service } from './placement-fixtures.js';

const SERVICES = [service('web'), service('cart'), service('ledger', { namespace: 'finance' })];
const rate = (from: string, to: string, rps: number, namespaces: [string, string] = ['default', 'default']): ServiceCallRate => ({
  fromNamespace: namespaces[0],
  from,
  toNamespace: namespaces[1],
  to,
  rps,
});

describe('callsBetweenServices', () => {
  it.each([
    {
      name: 'both ends registered in their namespaces: kept, named by service',
      rates: [rate('web', 'cart', 40), rate('cart', 'ledger', 5, ['default', 'finance'])],
      expected: [
        { from: 'web', to: 'cart', rps: 40 },
        { from: 'cart', to: 'ledger', rps: 5 },
      ],
    },
    {
      name: 'a same-named workload in another namespace is someone else',
      rates: [rate('web', 'cart', 40, ['default', 'staging']), rate('ledger', 'cart', 2)],
      expected: [],
    },
    { name: 'an end that is not registered', rates: [rate('web', 'search', 9), rate('ingress', 'web', 100)], expected: [] },
  ])('$name', ({ rates, expected }) => {
    expect(callsBetweenServices(rates, SERVICES)).toEqual(expected);
  });
});

describe('readObservedTraffic', () => {
  const metrics = (callRates?: MetricsSource['callRates']): MetricsSource => ({
    workloadMetrics: async () => ({ requests: 0, errors: 0, errorRate: 0, p99LatencyMs: undefined }),
    callRates,
  });

  it('asks for the window and keeps the calls between registered services', async () => {
    const asked: number[] = [];
    const traffic = await readObservedTraffic(
      metrics(async (w) => (asked.push(w), [rate('web', 'cart', 40), rate('web', 'search', 9)])),
      SERVICES,
      600,
    );
    expect(asked).toEqual([600]);
    expect(traffic).toEqual({ calls: [{ from: 'web', to: 'cart', rps: 40 }], windowSeconds: 600 });
  });

  it.each([
    { name: 'a source without per-edge telemetry', source: metrics(undefined), unavailable: /no per-edge call rates/ },
    {
      name: 'a failing query',
      source: metrics(async () => Promise.reject(new TransientError('Prometheus timed out'))),
      unavailable: /could not be read: Prometheus timed out/,
    },
  ])('$name: no calls, and the reason', async ({ source, unavailable }) => {
    const traffic = await readObservedTraffic(source, SERVICES, 300);
    expect(traffic.calls).toEqual([]);
    expect(traffic.unavailable).toMatch(unavailable);
  });
});

/** The observed call graph's figures per service pair (pure, table-tested). */
import { describe, expect, it } from 'vitest';
import type { ObservedEdge } from '../../../../lib/model/observed-edges.js';
import type { EdgeTraffic } from '../../../../lib/ports/metrics-source.js';
import { boundedEdges, edgeFigures, significant } from '../../../../lib/usecases/traffic/edge-figures.js';

const SERVICES = [
  { name: 'web', namespace: 'shop' },
  { name: 'cart', namespace: 'shop' },
  { name: 'ledger', namespace: 'finance' },
];
const t = (from: string, to: string, figures: Partial<EdgeTraffic>, ns: [string, string] = ['shop', 'shop']): EdgeTraffic => ({
  fromNamespace: ns[0],
  from,
  toNamespace: ns[1],
  to,
  rps: 0,
  errorRps: 0,
  ...figures,
});

describe('edgeFigures', () => {
  it.each([
    {
      name: 'two clusters report one edge: calls, errors and crossings add up, the larger p99 stands (the worked example)',
      perSource: [
        [t('web', 'cart', { rps: 40, errorRps: 2, p99LatencyMs: 30, zones: { rps: 40, crossZoneRps: 10 } })],
        [t('web', 'cart', { rps: 10, errorRps: 0, p99LatencyMs: 50 })],
      ],
      expected: [{ from: 'web', to: 'cart', rps: 50, errorRate: 0.04, p99LatencyMs: 50, crossZoneShare: 0.25 }],
    },
    {
      name: 'no latency histogram, no zone series: rate and error rate only',
      perSource: [[t('cart', 'ledger', { rps: 3, errorRps: 3 }, ['shop', 'finance'])]],
      expected: [{ from: 'cart', to: 'ledger', rps: 3, errorRate: 1 }],
    },
    {
      name: 'ends that are not registered (the ingress gateway, another namespace) are left out',
      perSource: [
        [
          t('istio-ingressgateway', 'web', { rps: 20 }, ['istio-system', 'shop']),
          t('web', 'cart', { rps: 5 }, ['staging', 'shop']),
          t('web', 'search', { rps: 5 }),
        ],
      ],
      expected: [],
    },
    {
      name: 'errors beyond the calls (extrapolated counters) are capped; figures to 4 significant digits; sorted by caller, callee',
      perSource: [[t('web', 'cart', { rps: 3, errorRps: 4, p99LatencyMs: 12.345678 }), t('cart', 'ledger', { rps: 1 / 3 }, ['shop', 'finance'])]],
      expected: [
        { from: 'cart', to: 'ledger', rps: 0.3333, errorRate: 0 },
        { from: 'web', to: 'cart', rps: 3, errorRate: 1, p99LatencyMs: 12.35 },
      ],
    },
    { name: 'nothing reported', perSource: [[], []], expected: [] },
  ])('$name', ({ perSource, expected }) => {
    expect(edgeFigures(perSource, SERVICES)).toEqual(expected);
  });

  it('significant rounds to 4 significant digits and keeps 0', () => {
    expect([significant(0), significant(123456), significant(0.000123456)]).toEqual([0, 123500, 0.0001235]);
  });
});

describe('boundedEdges', () => {
  const e = (from: string, rps: number): ObservedEdge => ({ from, to: 'x', rps, errorRate: 0 });
  const size = JSON.stringify(e('a', 1)).length + 1;

  it.each([
    { name: 'all fit', maxBytes: 10_000, expected: ['a', 'b', 'c'], omitted: 0 },
    { name: 'the busiest fit, in their original order', maxBytes: 2 + 2 * size, expected: ['a', 'c'], omitted: 1 },
    { name: 'none fits', maxBytes: 2, expected: [], omitted: 3 },
  ])('$name', ({ maxBytes, expected, omitted }) => {
    const out = boundedEdges([e('a', 5), e('b', 1), e('c', 9)], maxBytes);
    expect(out.edges.map((x) => x.from)).toEqual(expected);
    expect(out.omitted).toBe(omitted);
  });
});

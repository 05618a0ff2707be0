/** `toEdgeTraffic`: the samples of the three per-edge queries as one figure set per edge (pure, table-tested). */
import { describe, expect, it } from 'vitest';
import { toEdgeTraffic, type LabelledSample } from '../../../../lib/adapters/metrics/edge-traffic.js';

const ends = (from: string, to: string, ns: [string, string] = ['shop', 'shop']) => ({
  source_workload_namespace: ns[0],
  source_canonical_service: from,
  destination_workload_namespace: ns[1],
  destination_canonical_service: to,
});
const req = (from: string, to: string, code: string, value: number, ns?: [string, string]): LabelledSample => ({
  labels: { ...ends(from, to, ns), response_code: code },
  value,
});
const p99 = (from: string, to: string, value: number): LabelledSample => ({ labels: ends(from, to), value });
const zone = (from: string, to: string, fromZone: string, toZone: string, value: number): LabelledSample => ({
  labels: { ...ends(from, to), source_zone: fromZone, destination_zone: toZone },
  value,
});
const edge = (from: string, to: string, figures: Record<string, unknown>) => ({ fromNamespace: 'shop', from, toNamespace: 'shop', to, ...figures });

describe('toEdgeTraffic', () => {
  it.each([
    {
      name: 'codes add up, 5xx are errors; p99 and zone crossings join by edge (the worked example)',
      requests: [req('web', 'cart', '200', 40), req('web', 'cart', '503', 1.5), req('web', 'cart', '500', 0.5)],
      p99s: [p99('web', 'cart', 35)],
      zones: [zone('web', 'cart', 'a', 'a', 30), zone('web', 'cart', 'a', 'b', 12)],
      expected: [edge('web', 'cart', { rps: 42, errorRps: 2, p99LatencyMs: 35, zones: { rps: 42, crossZoneRps: 12 } })],
    },
    {
      name: '4xx and connection failures (code 0) are not 5xx',
      requests: [req('web', 'cart', '404', 3), req('web', 'cart', '0', 1), req('web', 'cart', '200', 6)],
      p99s: [],
      zones: [],
      expected: [edge('web', 'cart', { rps: 10, errorRps: 0 })],
    },
    {
      name: 'an edge without calls (rate 0, NaN) is left out, and so are its p99 and zones',
      requests: [req('web', 'cart', '200', 0), req('web', 'search', '200', Number.NaN)],
      p99s: [p99('web', 'cart', 12)],
      zones: [zone('web', 'cart', 'a', 'b', 1)],
      expected: [],
    },
    {
      name: 'a p99 of NaN (no calls in a bucket window) or +Inf (beyond the last bucket) is no figure',
      requests: [req('web', 'cart', '200', 5), req('web', 'search', '200', 5)],
      p99s: [p99('web', 'cart', Number.NaN), p99('web', 'search', Infinity)],
      zones: [],
      expected: [edge('web', 'cart', { rps: 5, errorRps: 0 }), edge('web', 'search', { rps: 5, errorRps: 0 })],
    },
    {
      name: '"unknown" or missing ends (a caller without a sidecar) are left out; namespaces keep edges apart',
      requests: [
        req('unknown', 'cart', '200', 9),
        req('web', 'unknown', '200', 9),
        { labels: { destination_canonical_service: 'cart', response_code: '200' }, value: 9 },
        req('web', 'cart', '200', 4, ['staging', 'shop']),
        req('web', 'cart', '200', 2),
      ],
      p99s: [],
      zones: [],
      expected: [edge('web', 'cart', { rps: 2, errorRps: 0 }), { fromNamespace: 'staging', from: 'web', toNamespace: 'shop', to: 'cart', rps: 4, errorRps: 0 }],
    },
    {
      name: 'zone samples without both zone labels do not count',
      requests: [req('web', 'cart', '200', 10)],
      p99s: [],
      zones: [{ labels: { ...ends('web', 'cart'), source_zone: 'a' }, value: 10 }, zone('web', 'cart', 'b', 'b', 4)],
      expected: [edge('web', 'cart', { rps: 10, errorRps: 0, zones: { rps: 4, crossZoneRps: 0 } })],
    },
  ])('$name', ({ requests, p99s, zones, expected }) => {
    expect(toEdgeTraffic(requests, p99s, zones)).toEqual(expected);
  });
});

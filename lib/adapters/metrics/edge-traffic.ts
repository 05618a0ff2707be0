/**
 * Per-edge traffic from the samples of the three edge queries of `lib/model/istio-metrics.ts` (pure):
 * calls per second by response code, the p99 per edge, and calls per second per zone pair.
 */
import { CALL_RATE_LABELS } from '../../model/istio-metrics.js';
import type { EdgeTraffic } from '../../ports/metrics-source.js';

/** One sample of a Prometheus instant vector. */
export interface LabelledSample {
  labels: Record<string, string>;
  value: number;
}

type EdgeEnds = Pick<EdgeTraffic, 'fromNamespace' | 'from' | 'toNamespace' | 'to'>;

/** The caller and callee of a sample; undefined when either is missing or "unknown" (Istio's word when it cannot tell). */
function endsOf(labels: Record<string, string>): EdgeEnds | undefined {
  const from = labels[CALL_RATE_LABELS.from];
  const to = labels[CALL_RATE_LABELS.to];
  if (!from || !to || from === 'unknown' || to === 'unknown') return undefined;
  return { fromNamespace: labels[CALL_RATE_LABELS.fromNamespace] ?? '', from, toNamespace: labels[CALL_RATE_LABELS.toNamespace] ?? '', to };
}

const keyOf = (e: EdgeEnds) => `${e.fromNamespace}/${e.from}>${e.toNamespace}/${e.to}`;
const usable = (v: number) => Number.isFinite(v) && v > 0;

/**
 * Adds up one edge's figures: its rate over every response code (5xx counted as errors), its p99 when
 * finite (NaN without calls; +Inf beyond the last bucket tells nothing a person can read), and, when
 * the zone series has calls for it, how many of them crossed a zone. Edges without calls are left out.
 *
 * @example
 * // web → cart: 40 rps answered 200 and 2 rps 503; p99 35 ms; 30 rps zone-a→zone-a, 12 rps zone-a→zone-b
 * // → { from: 'web', to: 'cart', rps: 42, errorRps: 2, p99LatencyMs: 35, zones: { rps: 42, crossZoneRps: 12 } }
 */
export function toEdgeTraffic(requests: readonly LabelledSample[], p99: readonly LabelledSample[], zones: readonly LabelledSample[]): EdgeTraffic[] {
  const edges = new Map<string, EdgeTraffic>();
  for (const { labels, value } of requests) {
    const ends = endsOf(labels);
    if (!ends || !usable(value)) continue;
    const edge = edges.get(keyOf(ends)) ?? { ...ends, rps: 0, errorRps: 0 };
    edge.rps += value;
    if (/^5\d\d$/.test(labels.response_code ?? '')) edge.errorRps += value;
    edges.set(keyOf(ends), edge);
  }
  for (const { labels, value } of p99) {
    const ends = endsOf(labels);
    const edge = ends && edges.get(keyOf(ends));
    if (edge && Number.isFinite(value) && value >= 0) edge.p99LatencyMs = value;
  }
  for (const { labels, value } of zones) {
    const ends = endsOf(labels);
    const edge = ends && edges.get(keyOf(ends));
    if (!edge || !usable(value) || !labels.source_zone || !labels.destination_zone) continue;
    const z = (edge.zones ??= { rps: 0, crossZoneRps: 0 });
    z.rps += value;
    if (labels.source_zone !== labels.destination_zone) z.crossZoneRps += value;
  }
  return [...edges.values()].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
}

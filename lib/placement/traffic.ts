/**
 * The traffic matrix the optimizer sees: declared dependencies (ServiceSpec.dependencies) overlaid
 * with observed call rates from mesh telemetry. Observed figures win for every pair they cover.
 */
import type { TrafficEdge } from './model.js';

/** The part of a ServiceSpec the traffic matrix needs (a ServiceSpec fits). */
export interface DeclaringService {
  name: string;
  dependencies: readonly { service: string; rps: number }[];
}

/** One observed caller → callee rate, e.g. from istio_requests_total. */
export interface ObservedCall {
  from: string;
  to: string;
  rps: number;
  /** Mean request + response size; omitted means the instance default. */
  bytesPerRequest?: number;
}

export interface MergedTraffic {
  edges: TrafficEdge[];
  /** Edges left out because an end is not one of `services` or both ends are the same service. */
  dropped: { from: string; to: string; reason: 'unknownService' | 'selfCall' }[];
}

/**
 * Merges declared and observed traffic. Several observed entries for one pair are summed (bytes per
 * request become their rps-weighted mean). Output is sorted by (from, to).
 */
export function mergeTraffic(services: readonly DeclaringService[], observed: readonly ObservedCall[] = []): MergedTraffic {
  const known = new Set(services.map((s) => s.name));
  const dropped: MergedTraffic['dropped'] = [];
  const accept = (from: string, to: string): boolean => {
    if (from === to) dropped.push({ from, to, reason: 'selfCall' });
    else if (!known.has(from) || !known.has(to)) dropped.push({ from, to, reason: 'unknownService' });
    else return true;
    return false;
  };
  const key = (from: string, to: string): string => `${from}\u0000${to}`;

  const merged = new Map<string, TrafficEdge>();
  for (const s of services)
    for (const d of s.dependencies) if (accept(s.name, d.service)) merged.set(key(s.name, d.service), { from: s.name, to: d.service, rps: d.rps });

  const seen = new Map<string, { rps: number; bytes: number; bytesRps: number }>();
  for (const o of observed) {
    if (!accept(o.from, o.to)) continue;
    const k = key(o.from, o.to);
    const acc = seen.get(k) ?? { rps: 0, bytes: 0, bytesRps: 0 };
    acc.rps += o.rps;
    if (o.bytesPerRequest !== undefined) {
      acc.bytes += o.bytesPerRequest * o.rps;
      acc.bytesRps += o.rps;
    }
    seen.set(k, acc);
    const edge: TrafficEdge = { from: o.from, to: o.to, rps: acc.rps };
    if (acc.bytesRps > 0) edge.bytesPerRequest = acc.bytes / acc.bytesRps;
    merged.set(k, edge);
  }
  const edges = [...merged.values()].sort((x, y) => (x.from < y.from ? -1 : x.from > y.from ? 1 : x.to < y.to ? -1 : x.to > y.to ? 1 : 0));
  return { edges, dropped };
}

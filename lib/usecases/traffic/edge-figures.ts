/**
 * The observed call graph between registered services, from what each metrics source reported (pure).
 */
import type { ObservedEdge } from '../../model/observed-edges.js';
import type { EdgeTraffic } from '../../ports/metrics-source.js';

/** `x` to `digits` significant digits (figures for people; keeps the stored document small). */
export function significant(x: number, digits = 4): number {
  return x === 0 || !Number.isFinite(x) ? x : Number(x.toPrecision(digits));
}

/**
 * One edge per caller and callee service, both registered (matched by name and namespace, so a
 * same-named workload elsewhere does not count). An edge several sources report (a service in several
 * clusters) adds up their calls, errors and zone crossings; its p99 is the largest of theirs (the p99 of
 * the calls together lies between theirs, and the larger is the one a limit cares about).
 *
 * @example
 * // cluster 1: web → cart 40 rps, 2 errors/s, p99 30 ms, 10 of 40 rps cross-zone
 * // cluster 2: web → cart 10 rps, 0 errors/s, p99 50 ms, no zone series
 * // → { from: 'web', to: 'cart', rps: 50, errorRate: 0.04, p99LatencyMs: 50, crossZoneShare: 0.25 }
 */
export function edgeFigures(perSource: readonly (readonly EdgeTraffic[])[], services: readonly { name: string; namespace: string }[]): ObservedEdge[] {
  const registered = new Set(services.map((s) => `${s.namespace}/${s.name}`));
  const sums = new Map<string, { from: string; to: string; rps: number; errorRps: number; p99?: number; zoned: number; crossed: number; zones: boolean }>();
  for (const traffic of perSource)
    for (const t of traffic) {
      if (!registered.has(`${t.fromNamespace}/${t.from}`) || !registered.has(`${t.toNamespace}/${t.to}`) || !(t.rps > 0)) continue;
      const key = `${t.from}>${t.to}`;
      const sum = sums.get(key) ?? { from: t.from, to: t.to, rps: 0, errorRps: 0, zoned: 0, crossed: 0, zones: false };
      sum.rps += t.rps;
      sum.errorRps += Math.max(0, Math.min(t.errorRps, t.rps));
      if (t.p99LatencyMs !== undefined && Number.isFinite(t.p99LatencyMs)) sum.p99 = Math.max(sum.p99 ?? 0, t.p99LatencyMs);
      if (t.zones && t.zones.rps > 0) {
        sum.zones = true;
        sum.zoned += t.zones.rps;
        sum.crossed += Math.min(t.zones.crossZoneRps, t.zones.rps);
      }
      sums.set(key, sum);
    }
  return [...sums.values()]
    .sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to))
    .map((s) => ({
      from: s.from,
      to: s.to,
      rps: significant(s.rps),
      errorRate: significant(s.errorRps / s.rps),
      ...(s.p99 !== undefined ? { p99LatencyMs: significant(s.p99) } : {}),
      ...(s.zones ? { crossZoneShare: significant(s.crossed / s.zoned) } : {}),
    }));
}

/**
 * The edges that fit in `maxBytes` of JSON, busiest first (a store item has a size limit; the quietest
 * edges matter least), in their original order, and how many were left out.
 */
export function boundedEdges(edges: readonly ObservedEdge[], maxBytes: number): { edges: ObservedEdge[]; omitted: number } {
  let bytes = 2;
  const kept = new Set<ObservedEdge>();
  for (const e of [...edges].sort((a, b) => b.rps - a.rps)) {
    const size = JSON.stringify(e).length + 1;
    if (bytes + size > maxBytes) break;
    bytes += size;
    kept.add(e);
  }
  return { edges: edges.filter((e) => kept.has(e)), omitted: edges.length - kept.size };
}

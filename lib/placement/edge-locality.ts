/**
 * What one call-graph edge costs where its two services run now, for people reading the mesh: the share
 * of calls that cross a zone (or a cluster) and the data transfer that costs. Calls are assumed spread
 * evenly over the callee's ready pods, as the optimizer's cost model assumes (lib/placement/cost.ts).
 */
import { BYTES_PER_GB, DEFAULT_BYTES_PER_REQUEST, DEFAULT_DISTANCES, SECONDS_PER_MONTH } from './model.js';

export interface EdgeLocality {
  /** Fraction of calls whose caller and callee pods are in different zones (or clusters), 0..1. */
  crossZoneShare: number;
  /** Data transfer cost of those calls, $ per month (730 h), at `bytesPerRequest`. */
  dollarsPerMonth: number;
}

/**
 * @param callerZones pods of the caller per zone; @param calleeZones pods of the callee per zone.
 * Undefined when either side has no pods (nothing to say yet).
 *
 * @example
 * // caller: 2 pods in a, 1 in b; callee: 1 in a, 1 in b, 1 in c → same zone for 2/3·1/3 + 1/3·1/3 = 1/3
 * edgeLocality(100, { a: 2, b: 1 }, { a: 1, b: 1, c: 1 }) // crossZoneShare 2/3
 */
export function edgeLocality(
  rps: number,
  callerZones: Record<string, number>,
  calleeZones: Record<string, number>,
  options: { sameCluster?: boolean; bytesPerRequest?: number } = {},
): EdgeLocality | undefined {
  const total = (zones: Record<string, number>) => Object.values(zones).reduce((a, b) => a + b, 0);
  const callers = total(callerZones);
  const callees = total(calleeZones);
  if (callers === 0 || callees === 0) return undefined;
  let sameZone = 0;
  if (options.sameCluster !== false) for (const [zone, n] of Object.entries(callerZones)) sameZone += (n / callers) * ((calleeZones[zone] ?? 0) / callees);
  const crossZoneShare = Math.min(1, Math.max(0, 1 - sameZone));
  return { crossZoneShare, dollarsPerMonth: transferDollarsPerMonth(rps, crossZoneShare, options) };
}

/**
 * Data transfer cost, $ per month, of `rps` calls of which `crossZoneShare` cross a zone (or, with
 * `sameCluster: false`, a cluster), at `bytesPerRequest`.
 */
export function transferDollarsPerMonth(rps: number, crossZoneShare: number, options: { sameCluster?: boolean; bytesPerRequest?: number } = {}): number {
  const price = options.sameCluster === false ? DEFAULT_DISTANCES.crossCluster.dollarsPerGB : DEFAULT_DISTANCES.crossZone.dollarsPerGB;
  const bytesPerSecond = rps * (options.bytesPerRequest ?? DEFAULT_BYTES_PER_REQUEST);
  return ((bytesPerSecond * SECONDS_PER_MONTH) / BYTES_PER_GB) * crossZoneShare * price;
}

/**
 * The mesh view's edges (pure): the declared call graph and the observed one joined, each edge with
 * the figures a person reads on it and what its calls cost where both sides run.
 */
import type { ObservedEdge } from '../../model/observed-edges.js';
import { edgeLocality, transferDollarsPerMonth } from '../../placement/edge-locality.js';

/** A call-graph edge: declared (a dependency in the caller's spec), observed (the mesh saw calls), or both. */
export interface MeshEdge {
  from: string;
  to: string;
  source: 'declared' | 'observed' | 'both';
  /** Calls per second the caller declares; 0 for an edge only observed. */
  declaredRps: number;
  /** What the mesh's proxies reported over the last window (see MeshView.traffic for when). */
  observed?: Omit<ObservedEdge, 'from' | 'to'>;
  /** Share of calls crossing a zone: measured when the mesh reports zones, else predicted from where the pods run. */
  crossZoneShare?: number;
  crossZoneShareFrom?: 'observed' | 'placement';
  /** Data transfer cost of the calls crossing a zone, at the observed rate when there is one, else the declared one. */
  dollarsPerMonth?: number;
}

/** Where an edge's two sides run: their ready pods per zone, and whether they share a cluster. */
export interface EdgePlacement {
  callerZones: Record<string, number>;
  calleeZones: Record<string, number>;
  sameCluster: boolean;
}

/**
 * Declared edges first (in the order given), then edges only observed (by caller, callee). The rate an
 * edge is priced at is the observed one when the mesh saw its calls. A measured cross-zone share wins
 * over the predicted one within a cluster; between clusters every call crosses, whatever a cluster's
 * zone series says.
 *
 * @example
 * // declared web → cart 100 rps; observed 50 rps, 1 % errors, 25 % cross-zone
 * // → { source: 'both', declaredRps: 100, observed: {...}, crossZoneShare: 0.25, crossZoneShareFrom: 'observed',
 * //     dollarsPerMonth: transferDollarsPerMonth(50, 0.25) }
 */
export function meshEdges(
  declared: readonly { from: string; to: string; rps: number }[],
  observed: readonly ObservedEdge[],
  placement: (from: string, to: string) => EdgePlacement | undefined,
): MeshEdge[] {
  const seen = new Map(observed.map((o) => [`${o.from}>${o.to}`, o]));
  const edges: MeshEdge[] = [];
  const add = (from: string, to: string, declaredRps: number, source: MeshEdge['source'], o: ObservedEdge | undefined) => {
    const { from: _f, to: _t, ...figures } = o ?? ({} as ObservedEdge);
    edges.push({ from, to, source, declaredRps, ...(o ? { observed: figures } : {}), ...cost(o?.rps ?? declaredRps, o, placement(from, to)) });
  };
  for (const d of declared) {
    const key = `${d.from}>${d.to}`;
    const o = seen.get(key);
    seen.delete(key);
    add(d.from, d.to, d.rps, o ? 'both' : 'declared', o);
  }
  for (const o of [...seen.values()].sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to))) add(o.from, o.to, 0, 'observed', o);
  return edges;
}

function cost(
  rps: number,
  o: ObservedEdge | undefined,
  where: EdgePlacement | undefined,
): Pick<MeshEdge, 'crossZoneShare' | 'crossZoneShareFrom' | 'dollarsPerMonth'> {
  if (o?.crossZoneShare !== undefined && where?.sameCluster !== false)
    return { crossZoneShare: o.crossZoneShare, crossZoneShareFrom: 'observed', dollarsPerMonth: transferDollarsPerMonth(rps, o.crossZoneShare) };
  const predicted = where && edgeLocality(rps, where.callerZones, where.calleeZones, { sameCluster: where.sameCluster });
  return predicted ? { ...predicted, crossZoneShareFrom: 'placement' } : {};
}

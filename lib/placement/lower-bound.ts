/**
 * A cheap lower bound on the total cost: every traffic edge alone at its best split, capacity, pins
 * and the other edges ignored. For an edge (a, b) the cost is w/(ra·rb) · Σ_pairs d, and with
 * d = d2 − (d2−d1)·[same zone] − (d1−d0)·[same node] (cross-cluster ≥ cross-zone, so d2 for every
 * pair in different zones is a bound), it is at least
 *
 *   w/(ra·rb) · (d2·ra·rb − (d2−d1)·Pz − (d1−d0)·Pn)
 *
 * where Pz and Pn are the most same-zone and same-node replica pairs the rules allow: zone spread caps
 * a service at r−1 replicas per zone, the availability rule at maxPerNode per node, and the most pairs
 * come from filling groups in the same order (rearrangement inequality). Node risk and moves cost ≥ 0.
 */
import type { CompiledInstance } from './compiled-instance.js';

/** Most Σ_g x_g·y_g over groups when x fills groups of at most `capX` (total rx) and y at most `capY` (total ry). */
export function mostCoLocatedPairs(rx: number, capX: number, ry: number, capY: number): number {
  let pairs = 0;
  let leftX = rx;
  let leftY = ry;
  while (leftX > 0 && leftY > 0) {
    const x = Math.min(capX, leftX);
    const y = Math.min(capY, leftY);
    pairs += x * y;
    leftX -= x;
    leftY -= y;
  }
  return pairs;
}

/** The per-edge bound on `cost.total` (a valid lower bound for every placement that keeps the rules). */
export function perEdgeLowerBound(c: CompiledInstance): number {
  const d = c.levelDistance;
  let bound = 0;
  for (const e of c.edges) {
    const ra = c.replicas[e.a];
    const rb = c.replicas[e.b];
    const zoneCapA = c.needsSpread[e.a] ? ra - 1 : ra;
    const zoneCapB = c.needsSpread[e.b] ? rb - 1 : rb;
    const sameZone = c.zoneCount > 1 ? mostCoLocatedPairs(ra, zoneCapA, rb, zoneCapB) : ra * rb;
    const sameNode = Math.min(sameZone, mostCoLocatedPairs(ra, c.maxPerNode[e.a], rb, c.maxPerNode[e.b]));
    const far = c.zoneCount > 1 ? d[2] : d[1];
    const pairs = far * ra * rb - (far - d[1]) * sameZone - (d[1] - d[0]) * sameNode;
    bound += (e.weight / (ra * rb)) * pairs;
  }
  return bound;
}

/**
 * The per-edge bound when routing is decided too (joint solvers): routing can keep calls in the caller's
 * zone, so the uniform bound above does not hold. A call edge a→b alone still pays at least
 * - cross-zone distance for the share of a's replicas that cannot sit in a zone b can use, when b runs
 *   in one zone only (a zone holds at most maxInZone(a) of a's r_a replicas);
 * - same-zone distance for the rest, except the same-node share: a node holds at most m_a replicas of
 *   a, so the calls that stay on a node are at most m_a / r_a of the edge per zone that holds b.
 */
export function jointPerEdgeLowerBound(c: CompiledInstance): number {
  return jointPerEdgeTerms(c).reduce((sum, term) => sum + term, 0);
}

/** The joint per-edge bound's term of each directed edge (indices as c.directedEdges). */
export function jointPerEdgeTerms(c: CompiledInstance): Float64Array {
  const d = c.levelDistance;
  const Z = c.zoneCount;
  const inZone = (s: number, z: number): number => {
    let k = 0;
    for (const n of c.allowedNodes[s]) if (c.nodeZone[n] === z) k += c.fixedCounts[s] ? (c.fixedCounts[s]!.get(n) ?? 0) : c.maxPerNode[s];
    return Math.min(k, c.needsSpread[s] ? c.replicas[s] - 1 : c.replicas[s]);
  };
  const terms = new Float64Array(c.directedEdges.length);
  c.directedEdges.forEach((e, ei) => {
    const ra = c.replicas[e.from];
    const rb = c.replicas[e.to];
    const zonesOfB: number[] = [];
    for (let z = 0; z < Z; z++) if (inZone(e.to, z) > 0) zonesOfB.push(z);
    let cross = 0;
    if (Z > 1 && (rb === 1 || zonesOfB.length === 1)) {
      let most = 0;
      for (const z of zonesOfB) most = Math.max(most, Math.min(ra, inZone(e.from, z)));
      cross = 1 - most / ra;
    }
    const sameNode = Math.min(1 - cross, (c.maxPerNode[e.from] * Math.min(zonesOfB.length, rb)) / ra);
    terms[ei] = e.weight * (cross * d[2] + (1 - cross) * d[1] - (d[1] - d[0]) * sameNode);
  });
  return terms;
}

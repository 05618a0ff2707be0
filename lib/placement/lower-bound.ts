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

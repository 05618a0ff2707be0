/**
 * The best combinatorial lower bound on the joint (placement + routing) cost, without a MIP: the largest
 * of the joint per-edge bound (lower-bound.ts), the callee- and caller-star bounds (star-bound.ts) and
 * the tree-decomposition Lagrangian bound (lagrangian-bound.ts). Each is a valid lower bound on `cost.total`
 * of every placement that keeps the rules under any routing that keeps the zone load cap, so the
 * largest is too. Cheap enough for any size the solvers handle (a few hundred ms at 300 services).
 */
import type { CompiledInstance } from './compiled-instance.js';
import { jointTreeLowerBound } from './lagrangian-bound.js';
import { jointPerEdgeLowerBound } from './lower-bound.js';
import { jointCallerStarLowerBound, jointStarLowerBound } from './star-bound.js';

export interface JointBoundOptions {
  /** A known joint cost (an incumbent): the Lagrangian steps aim at it. */
  upperBound?: number;
  /** performance.now() after which the Lagrangian stops (the bound so far stays valid). */
  deadline?: number;
}

export function jointBoundWithoutMip(c: CompiledInstance, options: JointBoundOptions = {}): number {
  const perEdge = jointPerEdgeLowerBound(c);
  const star = jointStarLowerBound(c, { deadline: options.deadline });
  const callerStar = jointCallerStarLowerBound(c, { deadline: options.deadline });
  const tree = jointTreeLowerBound(c, { upperBound: options.upperBound, deadline: options.deadline }).bound;
  return Math.max(perEdge, star, callerStar, tree);
}

/** The contract every placement solver implements. */
import type { CompiledInstance, NodeVector } from './compiled-instance.js';
import { toAssignment } from './compiled-instance.js';
import { evaluateVector, type CostBreakdown } from './cost.js';
import type { Assignment, PlacementInstance, PlacementInstanceInput } from './model.js';
import type { RoutingDecision } from '../model/locality-routing.js';

export interface SolveOptions {
  /** Wall-clock budget; solvers return their best placement when it runs out. */
  timeLimitMs?: number;
  /** Seed for every random choice; the same seed and instance give the same result. */
  seed?: number;
}

export type SolveStatus = 'optimal' | 'feasible' | 'infeasible' | 'timeout';

export interface SolveResult {
  /** The placement, or null when the solver found none (status infeasible, or timeout without one). */
  assignment: Assignment | null;
  cost: CostBreakdown | null;
  /** optimal: proven; feasible: a valid placement without proof; infeasible: none exists (ILP) or none was found; timeout: the limit hit first. */
  status: SolveStatus;
  /** Relative gap (total − bound) / |total| proven by the ILP. */
  gap?: number;
  /** Best proven lower bound on `cost.total` (ILP). */
  bound?: number;
  timeMs: number;
  /** Why no placement was produced, or what limited it. */
  message?: string;
  /** Joint solvers: the routing decided with the placement (`cost` is under it); absent means uniform. */
  routing?: RoutingDecision;
}

export interface Solver {
  readonly name: string;
  solve(instance: PlacementInstanceInput | PlacementInstance | CompiledInstance, options?: SolveOptions): Promise<SolveResult>;
}

/** Builds a result from a node vector: aligned assignment plus its cost. */
export function resultFromVector(
  c: CompiledInstance,
  vector: NodeVector,
  status: SolveStatus,
  startedAt: number,
  extra: Pick<SolveResult, 'gap' | 'bound' | 'message'> = {},
): SolveResult {
  return { assignment: toAssignment(c, vector), cost: evaluateVector(c, vector), status, timeMs: performance.now() - startedAt, ...extra };
}

/** A result without a placement. */
export function resultWithout(status: SolveStatus, startedAt: number, message: string, extra: Pick<SolveResult, 'bound'> = {}): SolveResult {
  return { assignment: null, cost: null, status, timeMs: performance.now() - startedAt, message, ...extra };
}

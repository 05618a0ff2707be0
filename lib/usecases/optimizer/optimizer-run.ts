import * as z from 'zod';
import type { CostBreakdown } from '../../placement/cost.js';
import type { PlannedMove } from '../../placement/move-plan.js';
import type { AppliedMove } from './apply-moves.js';
import type { RoutingOutcome } from './apply-routing.js';
import type { SolveResult } from '../../placement/solver.js';
import type { RoutingDecision } from '../../model/locality-routing.js';

/**
 * An optimizer run's request and stored result, apart from the solver: the API validates requests and
 * reads runs with this alone, without bundling the solvers (the run itself happens in the optimizer
 * function, `run-optimizer.ts`).
 */
/** The solver budget a run may ask for: well inside the optimizer function's 300 s timeout. */
export const OPTIMIZER_MAX_TIME_LIMIT_MS = 240_000;

export const OptimizerRunRequest = z.strictObject({
  dryRun: z.boolean().default(false).describe('Compute and store the plan without applying it'),
  maxMoves: z.number().int().min(0).max(1_000).default(10).describe('Most replica moves applied by this run'),
  solver: z
    .enum(['auto', 'heuristic', 'ilp', 'joint'])
    .default('auto')
    .describe('auto: the exact ILP for small instances, the heuristic otherwise; joint: placement and zone routing decided together'),
  timeLimitMs: z
    .number()
    .int()
    .min(100)
    .max(OPTIMIZER_MAX_TIME_LIMIT_MS)
    .default(5_000)
    .describe('Solver time budget in all (the run happens in the optimizer function, not in the request)'),
  migrationCost: z.number().min(0).default(1).describe('λ: cost of moving one running replica, in objective units (rps·ms)'),
  maxNodeShare: z
    .number()
    .gt(0)
    .max(1)
    .optional()
    .describe("Largest fraction of a service's replicas one node may hold (default 1/3); a spec's availability.maxPerNode wins"),
  cluster: z.string().optional().describe('Cluster id (default cluster when absent)'),
  trafficWindowSeconds: z
    .number()
    .int()
    .min(30)
    .max(86_400)
    .default(600)
    .describe('Window of observed call rates (mesh telemetry) that replace declared dependency rates'),
});
export type OptimizerRunRequest = z.output<typeof OptimizerRunRequest>;

export function costSummary(c: CostBreakdown) {
  return {
    total: c.total,
    communication: c.communication,
    latencyMsPerSecond: c.latencyMsPerSecond,
    meanLatencyMs: c.meanLatencyMs,
    dollarsPerMonth: c.dollarsPerMonth,
    trafficShare: c.trafficShare,
  };
}

export interface OptimizerRun {
  id: string;
  status: 'planned' | 'applied' | 'nothingToDo' | 'failed';
  dryRun: boolean;
  cluster?: string;
  solver: string;
  solveStatus?: SolveResult['status'];
  gap?: number;
  solveTimeMs?: number;
  costBefore?: ReturnType<typeof costSummary>;
  costAfterPlan?: ReturnType<typeof costSummary>;
  costOptimal?: ReturnType<typeof costSummary>;
  moves: PlannedMove[];
  remainingMoves?: number;
  frozen: { service: string; reason: string }[];
  /** The traffic matrix: edges between the movable services, how many of them were observed, and why none were if so. */
  traffic?: { edges: number; observedEdges: number; windowSeconds: number; unavailable?: string };
  appliedServices: string[];
  /** What applying each move did (absent on dry runs): evicted pod, where its replacement landed, or why not. */
  appliedMoves?: AppliedMove[];
  /** Joint runs: the zone routing decided with the placement; costOptimal is under it, costBefore/costAfterPlan under uniform routing. */
  routing?: RoutingDecision;
  /** What storing each service's routing did (absent on dry runs and without a routing decision). */
  appliedRouting?: RoutingOutcome[];
  reason?: string;
  startedAt: string;
  finishedAt: string;
}

export const OPTIMIZER_DOC = 'optimizer-run';
/** How long a finished run is kept (and listed). */
export const OPTIMIZER_RUN_TTL_SECONDS = 30 * 86_400;

/** A run in the listing: its headline and costs, with counts in place of the moves and what applying them did. */
export type OptimizerRunSummary = Pick<
  OptimizerRun,
  | 'id'
  | 'status'
  | 'dryRun'
  | 'cluster'
  | 'solver'
  | 'solveStatus'
  | 'gap'
  | 'solveTimeMs'
  | 'costBefore'
  | 'costAfterPlan'
  | 'reason'
  | 'startedAt'
  | 'finishedAt'
> & {
  /** Moves planned. */
  moves: number;
  /** Moves applied that landed where planned (absent on dry runs). */
  movedReplicas?: number;
  /** Services left alone (in a rollout, pinned, …). */
  frozen: number;
  /** $/month of cross-zone transfer the plan saves (before − after); absent without both costs. */
  dollarsPerMonthSaved?: number;
};

/**
 * @example summarizeRun({ ...run, moves: [m1, m2], costBefore: { dollarsPerMonth: 12, … }, costAfterPlan: { dollarsPerMonth: 4, … } })
 * // { …, moves: 2, dollarsPerMonthSaved: 8 }
 */
export function summarizeRun(run: OptimizerRun): OptimizerRunSummary {
  const { id, status, dryRun, cluster, solver, solveStatus, gap, solveTimeMs, costBefore, costAfterPlan, reason, startedAt, finishedAt } = run;
  return {
    id,
    status,
    dryRun,
    cluster,
    solver,
    solveStatus,
    gap,
    solveTimeMs,
    costBefore,
    costAfterPlan,
    reason,
    startedAt,
    finishedAt,
    moves: run.moves.length,
    ...(run.appliedMoves ? { movedReplicas: run.appliedMoves.filter((m) => m.outcome === 'moved').length } : {}),
    frozen: run.frozen.length,
    ...(costBefore && costAfterPlan ? { dollarsPerMonthSaved: costBefore.dollarsPerMonth - costAfterPlan.dollarsPerMonth } : {}),
  };
}

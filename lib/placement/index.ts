/** Placement optimizer: public API. */
export * from './model.js';
export { compileInstance, toAssignment, toNodeVector, type CompiledInstance } from './compiled-instance.js';
export { evaluate, type CostBreakdown } from './cost.js';
export { checkConstraints, type Violation } from './constraints.js';
export { mergeTraffic, type DeclaringService, type ObservedCall, type MergedTraffic } from './traffic.js';
export type { Solver, SolveOptions, SolveResult, SolveStatus } from './solver.js';
export { HeuristicSolver, type HeuristicOptions } from './heuristic-solver.js';
export { IlpSolver, type IlpSolverOptions } from './ilp-solver.js';
export { KubeSchedulerBaseline, FirstFitBaseline, RandomBaseline } from './baselines.js';
export { planMoves, type MovePlan, type PlannedMove } from './move-plan.js';
export { generateInstance, type GeneratorOptions } from './instance-generator.js';
export { loadInstance, saveInstance, parseInstance } from './instance-file.js';

/**
 * Exact solver: the MIP of `mip-formulation.ts` solved by HiGHS (WebAssembly, single-threaded). It is
 * warm-started with the heuristic's placement, so it never returns anything worse, and reports the
 * proven bound and relative gap. Practical up to a few dozen services.
 */
import highsModule, { type Highs } from 'highs';
import { TransientError } from '../errors.js';
import { asCompiled, toNodeVector } from './compiled-instance.js';
import { checkVector } from './constraints.js';
import { evaluateVector } from './cost.js';
import { HeuristicSolver } from './heuristic-solver.js';
import { perEdgeLowerBound } from './lower-bound.js';
import { buildMipFormulation } from './mip-formulation.js';
import { resultFromVector, resultWithout, type SolveOptions, type SolveResult, type Solver } from './solver.js';

export interface IlpSolverOptions {
  /** Relative gap at which HiGHS stops and the answer counts as optimal (default 1e-6). */
  mipRelGap?: number;
  /** Start from the heuristic's placement (default true). */
  warmStart?: boolean;
}

const DEFAULT_TIME_LIMIT_MS = 60_000;
// The package's types describe a CommonJS module (default export under `.default`); its ESM build,
// which Node loads here, exports the loader itself as default. Accept both shapes.
const highsLoader: typeof highsModule.default = typeof highsModule === 'function' ? highsModule : highsModule.default;
let highsRuntime: Promise<Highs> | undefined;

/** The HiGHS runtime, loaded once per process. */
export function loadHighs(): Promise<Highs> {
  const runtime =
    highsRuntime ??
    highsLoader().catch((err: unknown) => {
      highsRuntime = undefined;
      throw new TransientError('could not load the HiGHS solver', { cause: err });
    });
  highsRuntime = runtime;
  return runtime;
}

export class IlpSolver implements Solver {
  readonly name = 'ilp';

  constructor(private readonly settings: IlpSolverOptions = {}) {}

  async solve(instance: Parameters<Solver['solve']>[0], options: SolveOptions = {}): Promise<SolveResult> {
    const startedAt = performance.now();
    const c = asCompiled(instance);
    const timeLimitMs = options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
    const mipRelGap = this.settings.mipRelGap ?? 1e-6;

    let start: Int32Array | null = null;
    if (this.settings.warmStart ?? true) {
      const heuristic = await new HeuristicSolver().solve(c, { seed: options.seed, timeLimitMs: Math.min(2_000, timeLimitMs / 10) });
      if (heuristic.assignment) start = toNodeVector(c, heuristic.assignment);
    }
    const formulation = buildMipFormulation(c);
    const highs = await loadHighs();
    const remainingSeconds = Math.max(0.05, (timeLimitMs - (performance.now() - startedAt)) / 1_000);

    const model = highs.createModel({ format: 'lp', data: formulation.lp });
    try {
      model.options.set({ output_flag: false, time_limit: remainingSeconds, mip_rel_gap: mipRelGap, random_seed: (options.seed ?? 1) >>> 1 });
      const columnCount = model.getDimensions().numCols;
      const names = Array.from({ length: columnCount }, (_, i) => model.getColName(i));
      if (start) {
        const values = formulation.startValues(start);
        model.setSolution({ colValue: Float64Array.from(names, (name) => values.get(name) ?? 0) });
      }
      const { modelStatus } = model.run();
      const status = highs.constants.modelStatus;
      if (modelStatus === status.infeasible) return resultWithout('infeasible', startedAt, 'no placement satisfies every constraint (proven by HiGHS)');

      // HiGHS's bound, or the per-edge combinatorial bound when that is stronger (often, on larger instances).
      const bound = Math.max(finite(model.info.get('mip_dual_bound')) + formulation.objectiveOffset, perEdgeLowerBound(c));
      let vector: Int32Array | null = null;
      try {
        const columns = model.getSolution().colValue;
        const byName = new Map(names.map((name, i) => [name, columns[i]]));
        const decoded = formulation.decode((name) => byName.get(name) ?? 0);
        if (!decoded.includes(-1) && checkVector(c, decoded).length === 0) vector = decoded;
      } catch {
        vector = null;
      }
      // HiGHS keeps the better of its own incumbent and the start; guard against a rejected start anyway.
      if (start && (!vector || evaluateVector(c, start).total < evaluateVector(c, vector).total - 1e-9)) vector = start;
      const timedOut = modelStatus === status.timeLimit;
      if (!vector)
        return resultWithout(
          timedOut ? 'timeout' : 'infeasible',
          startedAt,
          `HiGHS ended with status ${modelStatus} and no placement`,
          Number.isFinite(bound) ? { bound } : {},
        );
      const total = evaluateVector(c, vector).total;
      const provenBound = Number.isFinite(bound) ? Math.min(bound, total) : undefined;
      const gap = provenBound === undefined ? undefined : total === 0 ? 0 : Math.max(0, (total - provenBound) / Math.abs(total));
      const solveStatus = modelStatus === status.optimal ? 'optimal' : timedOut ? 'timeout' : 'feasible';
      return resultFromVector(c, vector, solveStatus, startedAt, { bound: provenBound, gap });
    } finally {
      model.dispose();
    }
  }
}

function finite(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : Number.NEGATIVE_INFINITY;
}

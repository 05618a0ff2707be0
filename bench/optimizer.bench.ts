/**
 * Placement optimizer benchmark. Prints one JSON line per (instance, solver):
 * communication cost, ratio to the ILP optimum (or its best bound when not proven), ratio to the
 * kube-scheduler baseline, wall time and memory, then one line with the heuristic's time growth.
 *
 *   npx tsx bench/optimizer.bench.ts                 # sizes 10/9 … 2000/1000 (≈10,000 replicas)
 *   npx tsx bench/optimizer.bench.ts --quick         # a small subset
 *   npx tsx bench/optimizer.bench.ts --instance file.json [--ilp-limit-ms 30000] [--write-placements DIR]
 *
 * Per solver also: `maxNodeShare` (largest fraction of a service's replicas on one node, over services
 * with ≥ 3 replicas; the availability rule keeps it ≤ 1/3 by default), `maxZoneUtilisation` (requested
 * CPU ÷ allocatable CPU of the busiest zone), the ILP's status, bound, gap and time, and `lowerBound`,
 * the per-edge combinatorial bound (lib/placement/lower-bound.ts). `--write-placements DIR` writes each
 * solver's plan as DIR/<solver>.json: {"solver", "assignment": {service: [node, …]}}.
 *
 * Memory: `heapDeltaMB` is heap in use after minus before the solve (no GC in between: roughly what
 * the solve allocated); `maxRssGrowthMB` is how much the process's peak RSS (resourceUsage().maxRSS)
 * rose during the solve, 0 when an earlier, larger run set the peak.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { maxNodeShare } from '../lib/placement/availability.js';
import { perEdgeLowerBound } from '../lib/placement/lower-bound.js';
import { FirstFitBaseline, KubeSchedulerBaseline, RandomBaseline } from '../lib/placement/baselines.js';
import { compileInstance, type CompiledInstance } from '../lib/placement/compiled-instance.js';
import { checkVector } from '../lib/placement/constraints.js';
import { toNodeVector } from '../lib/placement/compiled-instance.js';
import { HeuristicSolver } from '../lib/placement/heuristic-solver.js';
import { IlpSolver } from '../lib/placement/ilp-solver.js';
import { loadInstance } from '../lib/placement/instance-file.js';
import { generateInstance } from '../lib/placement/instance-generator.js';
import type { SolveResult, Solver } from '../lib/placement/solver.js';

interface Size {
  services: number;
  nodes: number;
  meanReplicas?: number;
}

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    instance: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'ilp-limit-ms': { type: 'string', default: '30000' },
    'ilp-max-services': { type: 'string', default: '30' },
    'write-placements': { type: 'string' },
  },
});
const seed = Number(args.seed);
const ilpLimitMs = Number(args['ilp-limit-ms']);
const ilpMaxServices = Number(args['ilp-max-services']);

const FULL: Size[] = [
  { services: 10, nodes: 9 },
  { services: 30, nodes: 15 },
  { services: 100, nodes: 30 },
  { services: 300, nodes: 90 },
  { services: 1_000, nodes: 300 },
  // The brief's largest case: ~10,000 replicas on 1,000 nodes.
  { services: 2_000, nodes: 1_000, meanReplicas: 5 },
];
const QUICK: Size[] = [FULL[0], FULL[1], FULL[3]];

async function measure(
  solver: Solver,
  c: CompiledInstance,
  options: Parameters<Solver['solve']>[1],
): Promise<{ result: SolveResult; wallMs: number; heapDeltaMB: number; maxRssGrowthMB: number }> {
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.resourceUsage().maxRSS;
  const t0 = performance.now();
  const result = await solver.solve(c, options);
  const wallMs = performance.now() - t0;
  return {
    result,
    wallMs,
    heapDeltaMB: (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20,
    maxRssGrowthMB: (process.resourceUsage().maxRSS - rssBefore) / 1024,
  };
}

/** Requested CPU ÷ allocatable CPU of the busiest zone. */
function maxZoneUtilisation(c: CompiledInstance, vector: Int32Array): number {
  const used = new Float64Array(c.zoneCount);
  const capacity = new Float64Array(c.zoneCount);
  for (let n = 0; n < c.nodeCount; n++) capacity[c.nodeZone[n]] += c.nodeCpu[n];
  for (let r = 0; r < vector.length; r++) used[c.nodeZone[vector[r]]] += c.cpu[c.replicaService[r]];
  let worst = 0;
  for (let z = 0; z < c.zoneCount; z++) if (capacity[z] > 0) worst = Math.max(worst, used[z] / capacity[z]);
  return worst;
}

const round = (v: number | undefined, digits = 4): number | null => (v === undefined || !Number.isFinite(v) ? null : Number(v.toFixed(digits)));

async function benchInstance(label: string, c: CompiledInstance): Promise<{ replicas: number; heuristicMs: number }> {
  const solvers: Solver[] = [new KubeSchedulerBaseline(), new FirstFitBaseline(), new RandomBaseline(), new HeuristicSolver()];
  if (c.serviceCount <= ilpMaxServices) solvers.push(new IlpSolver());
  const runs = new Map<string, Awaited<ReturnType<typeof measure>>>();
  for (const solver of solvers) runs.set(solver.name, await measure(solver, c, { seed, timeLimitMs: solver.name === 'ilp' ? ilpLimitMs : undefined }));

  const kube = runs.get('kube-scheduler')!.result.cost?.communication;
  const lowerBound = perEdgeLowerBound(c);
  const writeDir = args['write-placements'];
  if (writeDir) mkdirSync(writeDir, { recursive: true });
  const ilp = runs.get('ilp')?.result;
  const ilpReference =
    ilp?.status === 'optimal' ? { kind: 'optimum', value: ilp.cost!.total } : ilp?.bound !== undefined ? { kind: 'bound', value: ilp.bound } : undefined;
  for (const [name, run] of runs) {
    const { result } = run;
    const vector = result.assignment ? toNodeVector(c, result.assignment) : null;
    const valid = vector ? checkVector(c, vector).length === 0 : false;
    if (writeDir && result.assignment) writeFileSync(join(writeDir, `${name}.json`), `${JSON.stringify({ solver: name, assignment: result.assignment })}\n`);
    console.log(
      JSON.stringify({
        instance: label,
        services: c.serviceCount,
        nodes: c.nodeCount,
        replicas: c.replicaCount,
        solver: name,
        status: result.status,
        valid,
        communication: round(result.cost?.communication, 2),
        meanLatencyMs: round(result.cost?.meanLatencyMs),
        dollarsPerMonth: round(result.cost?.dollarsPerMonth, 2),
        crossZoneShare: round(result.cost ? result.cost.trafficShare.crossZone + result.cost.trafficShare.crossCluster : undefined),
        ratioToIlp: ilpReference && result.cost ? round(result.cost.total / ilpReference.value) : null,
        ilpReference: ilpReference?.kind ?? null,
        maxNodeShare: vector ? round(maxNodeShare(c, vector)) : null,
        maxZoneUtilisation: vector ? round(maxZoneUtilisation(c, vector)) : null,
        lowerBound: round(lowerBound, 2),
        gapToLowerBound: result.cost ? round((result.cost.total - lowerBound) / result.cost.total) : null,
        ilpStatus: name === 'ilp' ? result.status : undefined,
        ilpBound: name === 'ilp' ? round(result.bound, 2) : undefined,
        ilpGap: name === 'ilp' ? round(result.gap) : undefined,
        ilpTimeMs: name === 'ilp' ? round(result.timeMs, 1) : undefined,
        ratioToKube: kube && result.cost ? round(result.cost.communication / kube) : null,
        wallMs: round(run.wallMs, 1),
        heapDeltaMB: round(run.heapDeltaMB, 1),
        maxRssGrowthMB: round(run.maxRssGrowthMB, 1),
      }),
    );
  }
  return { replicas: c.replicaCount, heuristicMs: runs.get('heuristic')!.wallMs };
}

if (args.instance) {
  await benchInstance(args.instance, compileInstance(await loadInstance(args.instance)));
} else {
  const points: { replicas: number; heuristicMs: number }[] = [];
  for (const size of args.quick ? QUICK : FULL) {
    const instance = generateInstance({ ...size, seed });
    points.push(await benchInstance(`generated-${size.services}x${size.nodes}`, compileInstance(instance)));
  }
  // Growth exponent of heuristic time between consecutive sizes (1 = linear; n log n is slightly above 1).
  const exponents = points.slice(1).map((p, i) => round(Math.log(p.heuristicMs / points[i].heuristicMs) / Math.log(p.replicas / points[i].replicas), 2));
  console.log(
    JSON.stringify({
      kind: 'heuristicScaling',
      replicas: points.map((p) => p.replicas),
      wallMs: points.map((p) => round(p.heuristicMs, 1)),
      growthExponents: exponents,
    }),
  );
}

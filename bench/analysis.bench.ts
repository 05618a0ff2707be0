/**
 * Canary analysis benchmark (issue 14): false-rollback rate, detection power and time to verdict of
 * four analyses on seeded simulated request streams, over a grid of baseline error rates, canary error
 * multipliers, latency shifts and canary traffic. Prints one JSON line per cell and method, then a
 * summary line per method.
 *
 *   npx tsx bench/analysis.bench.ts            (BENCH_RUNS=200 for a quicker, noisier run)
 *
 * The simulation: requests to the canary arrive as a Poisson stream at `rps`; stable serves 9× as
 * many (a 10 % canary); each request fails with the cell's error probability; latencies are
 * log-normal (median 50 ms, σ 0.5; the canary's scaled by 1 + shift) and observed only as Istio
 * histogram bucket counts (bucket counts are independent Poisson draws, as for a Poisson stream).
 * The rollout policy is meshplane's default (4 steps of 60 s, 30 s intervals, minRequests 50,
 * maxInconclusive 10, maxP99LatencyMs 500) with maxErrorRate raised to 5 % so that the absolute guard
 * does not fire on a 1 % baseline for every method alike. Rollouts run for at most 20 minutes.
 *
 * Methods:
 * - `threshold`: today's analysis (judgeStep + decideStep, `method: threshold`).
 * - `flagger`: a Flagger-style rule: a check per minute fails when the canary's error rate is above 1 %
 *   (request-success-rate ≥ 99 %) or its p99 above 500 ms; 5 failed checks roll back, 5 passed promote.
 * - `kayenta`: a Kayenta-style judge: after 5 minutes, a one-sided Mann-Whitney U test (confidence
 *   0.98) per metric (error rate and p99 of each 30 s interval, canary against stable); any metric
 *   significantly worse fails the canary, else it is promoted.
 * - `sequential`: the analysis as shipped (judgeStep guards + addInterval/weighEvidence + decideStep,
 *   `method: sequential`, α = 1 % split 0.8 % errors / 0.2 % latency, minBakeSeconds 30,
 *   maxLatencyRatio 1.2): the error test and the latency test on histogram buckets.
 *
 * Filters for quick looks (the seeds do not change): BENCH_METHODS=sequential,threshold and
 * BENCH_CELLS=0.01:2:0:10 (baseline:multiplier:shift:rps, `*` for any).
 */
import { performance } from 'node:perf_hooks';
import { mulberry32 } from '../lib/random.js';
import { LATENCY_BUCKETS_MS } from '../lib/sim/traffic-model.js';
import { AnalysisPolicy, DEFAULT_CANARY_STEPS } from '../lib/model/service-spec.js';
import type { WorkloadMetrics } from '../lib/ports/metrics-source.js';
import { judgeStep } from '../lib/rollout/analysis.js';
import { decideStep, type StepFacts } from '../lib/rollout/decide-step.js';
import { addInterval, NO_EVIDENCE, weighEvidence, type EvidenceWeight, type StepEvidence } from '../lib/rollout/weigh-evidence.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 600);
const INTERVAL = 30;
const MAX_SECONDS = 20 * 60;
const POWER_HORIZON = 300;
/** Istio's default bucket bounds, and +Inf. */
const BUCKETS_MS = [...LATENCY_BUCKETS_MS, Infinity];
const MEDIAN_MS = 50;
const SIGMA = 0.5;

const GRID = {
  baselineErrorRate: [0.001, 0.01],
  errorMultiplier: [1, 1.5, 2, 5],
  latencyShift: [0, 0.1, 0.5],
  rps: [1, 10, 100],
};

type Method = 'threshold' | 'flagger' | 'kayenta' | 'sequential';
const ALL_METHODS: Method[] = ['threshold', 'flagger', 'kayenta', 'sequential'];
const METHODS = process.env.BENCH_METHODS ? ALL_METHODS.filter((m) => process.env.BENCH_METHODS!.split(',').includes(m)) : ALL_METHODS;
const CELL_FILTER = process.env.BENCH_CELLS?.split(',').map((f) => f.split(':'));

function selected(cell: Cell): boolean {
  if (!CELL_FILTER) return true;
  const values = [cell.baselineErrorRate, cell.errorMultiplier, cell.latencyShift, cell.rps].map(String);
  return CELL_FILTER.some((f) => f.every((v, i) => v === '*' || v === values[i]));
}

interface Cell {
  baselineErrorRate: number;
  errorMultiplier: number;
  latencyShift: number;
  rps: number;
}

interface Outcome {
  verdict: 'rollback' | 'promote' | 'undecided';
  seconds: number;
}

/** One interval of one workload: requests, errors, histogram bucket counts. */
interface Sample {
  requests: number;
  errors: number;
  buckets: number[];
}

// --- random draws ---------------------------------------------------------------------------------

function poisson(next: () => number, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 40) {
    const z = Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * z));
  }
  let k = 0;
  let p = 1;
  const limit = Math.exp(-mean);
  for (;;) {
    p *= next();
    if (p <= limit) return k;
    k++;
  }
}

function normalCdf(z: number): number {
  // Abramowitz–Stegun 7.1.26 on erf.
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Probability of each latency bucket (upper bounds BUCKETS_MS) for a log-normal with this median. */
function bucketProbabilities(medianMs: number): number[] {
  let below = 0;
  return BUCKETS_MS.map((le) => {
    const cdf = le === Infinity ? 1 : normalCdf(Math.log(le / medianMs) / SIGMA);
    const p = cdf - below;
    below = cdf;
    return p;
  });
}

function sample(next: () => number, rps: number, errorRate: number, bucketP: number[]): Sample {
  const buckets = bucketP.map((p) => poisson(next, rps * INTERVAL * p));
  const requests = buckets.reduce((a, b) => a + b, 0);
  return { requests, errors: Math.min(requests, poisson(next, requests * errorRate)), buckets };
}

/** Prometheus histogram_quantile: linear within the bucket; undefined without requests. */
function quantileMs(buckets: number[], q: number): number | undefined {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    if (seen + buckets[i] >= rank) {
      if (BUCKETS_MS[i] === Infinity) return Infinity;
      const lower = i === 0 ? 0 : BUCKETS_MS[i - 1];
      return lower + ((BUCKETS_MS[i] - lower) * (rank - seen)) / Math.max(buckets[i], 1e-9);
    }
    seen += buckets[i];
  }
  return Infinity;
}

function metricsOf(s: Sample): WorkloadMetrics {
  let below = 0;
  const cumulative = LATENCY_BUCKETS_MS.map((le, i) => ({ le, count: (below += s.buckets[i]) }));
  return {
    requests: s.requests,
    errors: s.errors,
    errorRate: s.requests > 0 ? s.errors / s.requests : 0,
    p99LatencyMs: quantileMs(s.buckets, 0.99),
    latency: { buckets: cumulative, count: s.requests },
  };
}

// --- a stream of intervals for one run ---------------------------------------------------------------

class Stream {
  private readonly canaryP: number[];
  private readonly stableP: number[];
  constructor(
    private readonly next: () => number,
    private readonly cell: Cell,
  ) {
    this.canaryP = bucketProbabilities(MEDIAN_MS * (1 + cell.latencyShift));
    this.stableP = bucketProbabilities(MEDIAN_MS);
  }
  interval(): { canary: Sample; stable: Sample } {
    const canaryErrors = Math.min(1, this.cell.baselineErrorRate * this.cell.errorMultiplier);
    return {
      canary: sample(this.next, this.cell.rps, canaryErrors, this.canaryP),
      stable: sample(this.next, this.cell.rps * 9, this.cell.baselineErrorRate, this.stableP),
    };
  }
}

// --- the rollout driven by meshplane's own decision --------------------------------------------------

const STEPS = DEFAULT_CANARY_STEPS;
const BASE_POLICY = { maxErrorRate: 0.05 };

function runMeshplane(stream: Stream, method: 'threshold' | 'sequential'): Outcome {
  const policy = AnalysisPolicy.parse({ ...BASE_POLICY, method });
  let seconds = 0;
  let evidence: StepEvidence = NO_EVIDENCE;
  for (let stepIndex = 0; stepIndex < STEPS.length; stepIndex++) {
    let inconclusive = 0;
    let phase: 'step' | 'gate' = 'step';
    for (let observed = INTERVAL; seconds < MAX_SECONDS; observed += INTERVAL) {
      seconds += INTERVAL;
      const { canary, stable } = stream.interval();
      const [c, st] = [metricsOf(canary), metricsOf(stable)];
      const judgement = judgeStep(policy, c, st);
      let weight: EvidenceWeight | undefined;
      if (method === 'sequential') {
        evidence = addInterval(evidence, c, st, policy);
        weight = weighEvidence(policy, evidence);
      }
      const step = STEPS[stepIndex];
      const facts: StepFacts = {
        phase,
        stepIndex,
        stepCount: STEPS.length,
        observedSeconds: observed,
        minObservedSeconds: step.pauseSeconds,
        gate: 'auto',
        gateTimeoutSeconds: step.gateTimeoutSeconds,
        maxInconclusive: policy.maxInconclusive,
        minBakeSeconds: policy.minBakeSeconds,
        inconclusiveSoFar: inconclusive,
        requested: undefined,
        runsThisRollout: true,
      };
      const outcome = decideStep(facts, judgement, weight);
      inconclusive = outcome.inconclusive;
      if (outcome.decision === 'rollback') return { verdict: 'rollback', seconds };
      if (outcome.decision === 'promote') return { verdict: 'promote', seconds };
      if (outcome.decision === 'advance') break;
      // Not enough traffic to judge: held (for a person, who never comes here), still analysed.
      if (outcome.decision === 'hold') phase = 'gate';
    }
    if (seconds >= MAX_SECONDS) break;
  }
  return { verdict: 'undecided', seconds };
}

function runFlagger(stream: Stream): Outcome {
  let failed = 0;
  let passed = 0;
  for (let seconds = 60; seconds <= MAX_SECONDS; seconds += 60) {
    const a = stream.interval();
    const b = stream.interval();
    const requests = a.canary.requests + b.canary.requests;
    const errorRate = requests > 0 ? (a.canary.errors + b.canary.errors) / requests : 0;
    const p99 = quantileMs(
      a.canary.buckets.map((n, i) => n + b.canary.buckets[i]),
      0.99,
    );
    if (errorRate > 0.01 || (p99 !== undefined && p99 > 500)) failed++;
    else passed++;
    if (failed >= 5) return { verdict: 'rollback', seconds };
    if (passed >= 5) return { verdict: 'promote', seconds };
  }
  return { verdict: 'undecided', seconds: MAX_SECONDS };
}

/** One-sided Mann-Whitney U (canary greater), normal approximation with tie correction: p-value. */
function mannWhitneyGreater(canary: number[], stable: number[]): number {
  const all = [...canary.map((v) => ({ v, c: true })), ...stable.map((v) => ({ v, c: false }))].sort((x, y) => x.v - y.v);
  const ranks = new Array<number>(all.length);
  let tieTerm = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j + 1 < all.length && all[j + 1].v === all[i].v) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[k] = rank;
    const t = j - i + 1;
    tieTerm += t ** 3 - t;
    i = j + 1;
  }
  const n1 = canary.length;
  const n2 = stable.length;
  const r1 = all.reduce((sum, x, i) => (x.c ? sum + ranks[i] : sum), 0);
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return 1;
  const z = (u - (n1 * n2) / 2 - 0.5) / Math.sqrt(variance);
  return 1 - normalCdf(z);
}

function runKayenta(stream: Stream): Outcome {
  const canaryErr: number[] = [];
  const stableErr: number[] = [];
  const canaryP99: number[] = [];
  const stableP99: number[] = [];
  for (let seconds = INTERVAL; seconds <= POWER_HORIZON; seconds += INTERVAL) {
    const { canary, stable } = stream.interval();
    const c = metricsOf(canary);
    const s = metricsOf(stable);
    canaryErr.push(c.errorRate);
    stableErr.push(s.errorRate);
    // No requests: no value (Kayenta drops NaN points).
    if (c.p99LatencyMs !== undefined) canaryP99.push(c.p99LatencyMs);
    if (s.p99LatencyMs !== undefined) stableP99.push(s.p99LatencyMs);
  }
  const worse = (a: number[], b: number[]) => a.length > 0 && b.length > 0 && mannWhitneyGreater(a, b) < 0.02;
  return { verdict: worse(canaryErr, stableErr) || worse(canaryP99, stableP99) ? 'rollback' : 'promote', seconds: POWER_HORIZON };
}

function run(method: Method, cell: Cell, seed: number): Outcome {
  const stream = new Stream(mulberry32(seed), cell);
  if (method === 'flagger') return runFlagger(stream);
  if (method === 'kayenta') return runKayenta(stream);
  return runMeshplane(stream, method);
}

// --- the grid -----------------------------------------------------------------------------------------

function percentile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const started = performance.now();
const summary = new Map<Method, { falseRollbackWorst: number; promoteSecondsMedian: number[] }>();
let cellIndex = 0;
for (const baselineErrorRate of GRID.baselineErrorRate)
  for (const errorMultiplier of GRID.errorMultiplier)
    for (const latencyShift of GRID.latencyShift)
      for (const rps of GRID.rps) {
        const cell: Cell = { baselineErrorRate, errorMultiplier, latencyShift, rps };
        const good = errorMultiplier === 1 && latencyShift === 0;
        cellIndex++;
        if (!selected(cell)) continue;
        for (const method of METHODS) {
          const outcomes: Outcome[] = [];
          for (let r = 0; r < RUNS; r++) outcomes.push(run(method, cell, cellIndex * 1_000_003 + r * 7919 + 1));
          const rollbacks = outcomes.filter((o) => o.verdict === 'rollback');
          const promoted = outcomes.filter((o) => o.verdict === 'promote');
          const verdictTimes = outcomes
            .filter((o) => o.verdict !== 'undecided')
            .map((o) => o.seconds)
            .sort((a, b) => a - b);
          const line = {
            bench: 'analysis',
            method,
            ...cell,
            runs: RUNS,
            ...(good
              ? { falseRollbackRate: rollbacks.length / RUNS }
              : { power5min: rollbacks.filter((o) => o.seconds <= POWER_HORIZON).length / RUNS, powerAny: rollbacks.length / RUNS }),
            promoted: promoted.length / RUNS,
            undecided: outcomes.filter((o) => o.verdict === 'undecided').length / RUNS,
            verdictSecondsMedian: percentile(verdictTimes, 0.5),
            verdictSecondsP90: percentile(verdictTimes, 0.9),
            ...(good
              ? {
                  promoteSecondsMedian: percentile(
                    promoted.map((o) => o.seconds).sort((a, b) => a - b),
                    0.5,
                  ),
                }
              : {}),
          };
          console.log(JSON.stringify(line));
          const s = summary.get(method) ?? { falseRollbackWorst: 0, promoteSecondsMedian: [] };
          if (good) {
            s.falseRollbackWorst = Math.max(s.falseRollbackWorst, rollbacks.length / RUNS);
            if (line.promoteSecondsMedian != null) s.promoteSecondsMedian.push(line.promoteSecondsMedian);
          }
          summary.set(method, s);
        }
      }
for (const [method, s] of summary) {
  console.log(
    JSON.stringify({ bench: 'analysis', summary: method, falseRollbackWorstCell: s.falseRollbackWorst, promoteSecondsMedianByRps: s.promoteSecondsMedian }),
  );
}
console.log(JSON.stringify({ bench: 'analysis', runsPerCell: RUNS, seconds: Number(((performance.now() - started) / 1000).toFixed(1)) }));

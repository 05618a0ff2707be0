/**
 * The decisions of a multi-cluster rollout (waves), beside `decide-step.ts`: how the analyses of the
 * clusters under observation add up to one judgement, and what follows an analysis of the bake. Pure.
 *
 * A wave's steps are judged on every cluster of the wave: one cluster failing fails the step (its
 * reasons name the cluster); a step passes when every cluster passed; otherwise it is inconclusive.
 * The bake (`rollout.bakeSeconds`) after a wave observes every cluster released so far, on the hard
 * limits of the analysis only (the released clusters send all their traffic to the new version, so
 * stable is no baseline there):
 * 1. the rules that need no metrics (`decideBeforeJudging`: abort requested, rollout superseded) first;
 * 2. a failing cluster → `rollback`, at any moment of the bake: every released cluster goes back;
 * 3. before `bakeSeconds` → `continue`; too little traffic is no failure here (the steps judged it);
 * 4. then → `advance`: the next wave begins; after the last wave → `promote`.
 *
 * Around them: the analysis that passes a wave's last step decides `passWave` instead of `promote`
 * ({@link inWaves}), and what follows a passed wave is its bake, the next wave or the promotion
 * ({@link afterWavePassed}).
 */
import type { MetricsSnapshot, Verdict } from '../model/rollout-task-contract.js';
import type { StepAnalysis } from './analyze-step.js';
import { decideBeforeJudging, type StepFacts, type StepOutcome } from './decide-step.js';

/** One cluster's analysis of the interval. */
export interface ClusterAnalysis {
  cluster: string;
  analysis: StepAnalysis;
}

/** The clusters' analyses as one: the worst verdict, reasons by cluster, counts added up, and each cluster's own. */
export interface CombinedAnalysis extends StepAnalysis {
  clusters: Record<string, { verdict: Verdict; canary: MetricsSnapshot; stable: MetricsSnapshot }>;
}

const RANK: Record<Verdict, number> = { pass: 0, inconclusive: 1, fail: 2 };

function addUp(snapshots: MetricsSnapshot[]): MetricsSnapshot {
  const requests = snapshots.reduce((n, s) => n + s.requests, 0);
  const errors = snapshots.reduce((n, s) => n + s.errors, 0);
  const p99s = snapshots.flatMap((s) => (s.p99LatencyMs === null ? [] : [s.p99LatencyMs]));
  return { requests, errors, errorRate: requests > 0 ? errors / requests : 0, p99LatencyMs: p99s.length ? Math.max(...p99s) : null };
}

/**
 * @example two clusters, `b` failing: verdict `fail`, reasons `["b: error rate 20% … is above the limit of 1%"]`
 * @example one cluster: its analysis unchanged (no cluster prefix), plus `clusters`
 */
export function combineClusterAnalyses(items: readonly ClusterAnalysis[]): CombinedAnalysis {
  if (items.length === 0) throw new Error('no cluster to analyse');
  const clusters = Object.fromEntries(items.map(({ cluster, analysis: a }) => [cluster, { verdict: a.verdict, canary: a.canary, stable: a.stable }]));
  if (items.length === 1) return { ...items[0].analysis, clusters };
  const verdict = items.reduce<Verdict>((worst, { analysis }) => (RANK[analysis.verdict] > RANK[worst] ? analysis.verdict : worst), 'pass');
  // A failure speaks for itself; otherwise every cluster's reasons.
  const shown = verdict === 'fail' ? items.filter((i) => i.analysis.verdict === 'fail') : items;
  return {
    verdict,
    reasons: shown.flatMap(({ cluster, analysis }) => analysis.reasons.map((r) => `${cluster}: ${r}`)),
    canary: addUp(items.map((i) => i.analysis.canary)),
    stable: addUp(items.map((i) => i.analysis.stable)),
    // Latency buckets are not pooled across clusters: across a wave, latency is held to the p99 limit per cluster.
    histograms: {},
    clusters,
  };
}

/** The facts of a bake analysis: a step's, with `minObservedSeconds` = `bakeSeconds`. */
export type BakeFacts = Pick<StepFacts, 'observedSeconds' | 'minObservedSeconds' | 'requested' | 'rejection' | 'runsThisRollout'> & {
  /** The wave just baked is the last one. */
  lastWave: boolean;
};

/** What follows an analysis of the bake (rules in the module comment). */
export function decideBake(facts: BakeFacts, judgement: { verdict: Verdict; reasons: string[] }): StepOutcome {
  const early = decideBakeBeforeJudging(facts);
  if (early) return early;
  if (judgement.verdict === 'fail') return { decision: 'rollback', verdict: 'fail', reasons: judgement.reasons, inconclusive: 0 };
  if (facts.observedSeconds < facts.minObservedSeconds)
    return { decision: 'continue', verdict: judgement.verdict, reasons: judgement.reasons, inconclusive: 0 };
  return {
    decision: facts.lastWave ? 'promote' : 'advance',
    verdict: judgement.verdict,
    reasons: [...judgement.reasons, `baked for ${facts.observedSeconds} s without a failure`],
    inconclusive: 0,
  };
}

/** Rule 1 of the bake alone, so the task reads no metrics when it decides. */
export function decideBakeBeforeJudging(facts: BakeFacts): StepOutcome | undefined {
  return decideBeforeJudging({
    ...facts,
    phase: 'bake',
    stepIndex: 0,
    stepCount: 1,
    gate: 'auto',
    gateTimeoutSeconds: 0,
    maxInconclusive: 0,
    inconclusiveSoFar: 0,
  });
}

/** A rollout in waves passes the wave where a single release would promote (the wave loop promotes after the last). */
export function inWaves(outcome: StepOutcome, hasWaves: boolean): StepOutcome {
  return hasWaves && outcome.decision === 'promote' ? { ...outcome, decision: 'passWave' } : outcome;
}

/**
 * What follows a wave that passed its steps: its bake when `bakeSeconds` > 0, else the next wave, or
 * the promotion after the last.
 *
 * @example afterWavePassed({ bakeSeconds: 120, lastWave: false }) // 'bake'
 * @example afterWavePassed({ bakeSeconds: 0, lastWave: true }) // 'promote'
 */
export function afterWavePassed(facts: { bakeSeconds: number; lastWave: boolean }): 'bake' | 'advance' | 'promote' {
  if (facts.bakeSeconds > 0) return 'bake';
  return facts.lastWave ? 'promote' : 'advance';
}

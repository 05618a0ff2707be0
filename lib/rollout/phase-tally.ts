/**
 * What the analyses of one phase have counted so far, kept on the deployment's step record between
 * analyses (the state machine carries no counts). An analysis retried by Step Functions (same phase,
 * same observed time) starts again from the tally before it, so a retry never counts twice.
 */
import type { AnalysisPhase } from '../model/rollout-task-contract.js';

/** The counts of a phase. */
export interface PhaseCounts {
  /** Inconclusive analyses counted (after the phase's minimum time). */
  inconclusive: number;
}

/** The tally as stored on the step record (`metrics.tally`). */
export interface PhaseTally {
  /** `step` and `gate` share a tally (a gate continues its step); `preview` and `switched` have their own. */
  group: 'step' | 'preview' | 'switched';
  /** Observed seconds of the analysis that produced `counts`. */
  observedSeconds: number;
  /** Counts before that analysis (what a retry of it starts from). */
  before: PhaseCounts;
  counts: PhaseCounts;
}

export const EMPTY_COUNTS: PhaseCounts = { inconclusive: 0 };

function groupOf(phase: AnalysisPhase): PhaseTally['group'] {
  return phase === 'gate' ? 'step' : phase;
}

/** The counts an analysis of `phase` at `observedSeconds` starts from, given the stored tally (if any). */
export function countsBefore(stored: unknown, phase: AnalysisPhase, observedSeconds: number): PhaseCounts {
  const tally = stored as PhaseTally | undefined;
  if (!tally || typeof tally !== 'object' || tally.group !== groupOf(phase) || !tally.counts) return EMPTY_COUNTS;
  return tally.observedSeconds === observedSeconds ? tally.before : tally.counts;
}

/** The tally to store after an analysis of `phase` at `observedSeconds` moved the counts from `before` to `counts`. */
export function nextTally(phase: AnalysisPhase, observedSeconds: number, before: PhaseCounts, counts: PhaseCounts): PhaseTally {
  return { group: groupOf(phase), observedSeconds, before, counts };
}

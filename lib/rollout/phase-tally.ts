/**
 * What the analyses of one phase have counted so far, kept on the deployment's step record between
 * analyses (the state machine carries no counts). An analysis retried by Step Functions (same phase,
 * same observed time) starts again from the tally before it, so a retry never counts twice.
 */
import type { AnalysisPhase } from '../model/rollout-task-contract.js';
import { NO_EVIDENCE, type StepEvidence } from './weigh-evidence.js';

/** The counts of a phase. */
export interface PhaseCounts {
  /** Inconclusive analyses counted (after the phase's minimum time). */
  inconclusive: number;
  /** Requests and errors of the canary and stable over the phase (for the sequential test). */
  evidence: StepEvidence;
}

/** The tally as stored on the step record (`metrics.tally`). */
export interface PhaseTally {
  /** `step` and `gate` share a tally (a gate continues its step); `preview` and `switched` have their own. */
  group: 'step' | 'preview' | 'switched' | 'bake';
  /** Observed seconds of the analysis that produced `counts`. */
  observedSeconds: number;
  /** Counts before that analysis (what a retry of it starts from). */
  before: PhaseCounts;
  counts: PhaseCounts;
}

export const EMPTY_COUNTS: PhaseCounts = { inconclusive: 0, evidence: NO_EVIDENCE };

function groupOf(phase: AnalysisPhase): PhaseTally['group'] {
  return phase === 'gate' ? 'step' : phase;
}

/**
 * The counts an analysis of `phase` at `observedSeconds` starts from, given the phase's stored tally (if
 * any) and the previous step's. Inconclusive counts start again with each phase; the evidence goes on
 * (an error rate per request does not depend on the weight), so the sequential test spans the rollout.
 */
export function countsBefore(stored: unknown, phase: AnalysisPhase, observedSeconds: number, previousStep?: unknown): PhaseCounts {
  const tally = asTally(stored);
  if (!tally || tally.group !== groupOf(phase)) {
    const earlier = tally ?? asTally(previousStep);
    return { inconclusive: 0, evidence: earlier?.counts.evidence ?? NO_EVIDENCE };
  }
  const counts = tally.observedSeconds === observedSeconds ? tally.before : tally.counts;
  return { inconclusive: counts.inconclusive ?? 0, evidence: counts.evidence ?? NO_EVIDENCE };
}

function asTally(stored: unknown): PhaseTally | undefined {
  const tally = stored as PhaseTally | undefined;
  return tally && typeof tally === 'object' && tally.counts && typeof tally.group === 'string' ? tally : undefined;
}

/** The tally to store after an analysis of `phase` at `observedSeconds` moved the counts from `before` to `counts`. */
export function nextTally(phase: AnalysisPhase, observedSeconds: number, before: PhaseCounts, counts: PhaseCounts): PhaseTally {
  return { group: groupOf(phase), observedSeconds, before, counts };
}

/**
 * The one home of the rollout step decision: what the state machine does after an analysis. Pure, so it
 * is the same in the task Lambda, in the local runner and in tests; the `analyze` task gathers the facts
 * (deployment record, service record, metrics) and the state machine's Choice states only dispatch on
 * the `decision` it returns (see `lib/rollout/README.md`).
 *
 * Order of the rules (the first that applies decides):
 * 1. the deployment was rejected while its pods were awaited (crash loop) → `rollback` with that reason;
 *    it carries an abort request (a person, the health probe or an alarm) → `abort`;
 * 2. the service was deregistered or no longer runs this rollout (superseded) → `abort`;
 * 3. a manual gate nobody promoted within `gateTimeoutSeconds` after its pause → `abort`;
 * 4. the analysis failed (a hard limit broken), or the sequential test found a significant error
 *    regression in everything the step observed (`weighEvidence`) → `rollback`, at any moment of any phase;
 * 5. the phase (not a gate: it follows a passed step) has not been observed for its minimum time yet →
 *    `continue` (inconclusive not counted); except that a canary step whose evidence bounds the
 *    regression below the tolerance, observed for `minBakeSeconds` and passing its hard limits, is
 *    passed early (as in 7);
 * 6. inconclusive (too little traffic) after the minimum: a preview accepts it (`advance`: a preview may
 *    see only test traffic; the switched phase judges real traffic while the old version is kept); at a
 *    gate it waits uncounted; otherwise it is counted and, once `maxInconclusive` were counted before,
 *    "not enough traffic to judge": the sequential analysis `hold`s (a person promotes or aborts; more
 *    traffic may still pass it, and the gate timeout ends it), the threshold analysis rolls back;
 *    with the sequential analysis an interval too small for the absolute guards counts as passed
 *    when the evidence bounds the errors below the tolerance;
 * 7. passed, but with the sequential analysis the evidence leans towards a regression (an e-value above 1,
 *    of errors or latency) without being significant yet → the step is extended (`continue`, counted as inconclusive) by up to its pause
 *    again (at most `maxInconclusive` intervals), so a suspicious canary is watched longer; otherwise,
 *    or after the extension,
 *    passed: a manual gate not yet promoted → `hold` (the deployment shows `paused`); the last canary
 *    step and the switched blue/green phase → `promote`; any other phase → `advance`.
 */
import type { AnalysisPhase, StepDecision, Verdict } from '../model/rollout-task-contract.js';
import type { StepJudgement } from './analysis.js';
import type { EvidenceWeight } from './weigh-evidence.js';

/** What the `analyze` task knows about the phase being observed, apart from the metrics. */
export interface StepFacts {
  phase: AnalysisPhase;
  stepIndex: number;
  /** Steps of the canary (1 for blue/green). */
  stepCount: number;
  /** Seconds this phase has been observed, counting the interval just analysed. */
  observedSeconds: number;
  /** The phase's minimum observation time: the step's pause, `previewSeconds` or `keepOldSeconds`. */
  minObservedSeconds: number;
  gate: 'auto' | 'manual';
  gateTimeoutSeconds: number;
  maxInconclusive: number;
  /** Sequential analysis: time a canary step is observed at least before it may pass early. */
  minBakeSeconds?: number;
  /** Inconclusive analyses counted in this phase before this one. */
  inconclusiveSoFar: number;
  /** What a person (or the health probe) asked for on the deployment record. */
  requested: 'promote' | 'abort' | undefined;
  /** Why the new version was rejected outside an analysis (e.g. its pods crash-loop), when it was. */
  rejection?: string;
  /** False once the service was deregistered, or its traffic belongs to another deployment. */
  runsThisRollout: boolean;
}

/** The decision, the verdict recorded on the step, the reasons a person reads, and the new inconclusive count. */
export interface StepOutcome {
  decision: StepDecision;
  verdict: Verdict;
  reasons: string[];
  /** Inconclusive analyses counted in this phase, this one included. */
  inconclusive: number;
}

/**
 * The rules that need no metrics (1–3): the task calls this first and skips reading metrics when it
 * decides. `undefined`: the analysis has to be judged, see {@link decideStep}.
 */
export function decideBeforeJudging(facts: StepFacts): StepOutcome | undefined {
  const abort = (reason: string): StepOutcome => ({ decision: 'abort', verdict: 'inconclusive', reasons: [reason], inconclusive: facts.inconclusiveSoFar });
  if (facts.requested === 'abort' && facts.rejection && !facts.rejection.startsWith('aborted')) {
    return { decision: 'rollback', verdict: 'fail', reasons: [facts.rejection.replace(/^analysis failed: /, '')], inconclusive: facts.inconclusiveSoFar };
  }
  if (facts.requested === 'abort') return abort('aborted on request');
  if (!facts.runsThisRollout) return abort('the service no longer runs this rollout');
  if (facts.phase === 'gate' && facts.requested !== 'promote' && facts.observedSeconds > facts.minObservedSeconds + facts.gateTimeoutSeconds)
    return abort(`the manual gate was not promoted within ${facts.gateTimeoutSeconds} s`);
  return undefined;
}

/**
 * Decides what follows an analysis of the phase (every rule, in the order of the module comment).
 * `judgement`: the interval's hard limits (`judgeStep`); `evidence`: the sequential test of everything
 * the phase observed (`weighEvidence`), absent with `method: threshold`.
 */
export function decideStep(facts: StepFacts, judgement: StepJudgement, evidence?: EvidenceWeight): StepOutcome {
  const early = decideBeforeJudging(facts);
  if (early) return early;
  // Too few requests in the interval for the absolute guards, but the rollout's evidence bounds the errors: judged.
  const verdict = judgement.verdict === 'inconclusive' && evidence?.outcome === 'bounded' ? 'pass' : judgement.verdict;
  const reasons = evidence ? [...judgement.reasons, evidence.reason] : judgement.reasons;
  const outcome = (decision: StepDecision, inconclusive = facts.inconclusiveSoFar, extra: string[] = []): StepOutcome => ({
    decision,
    verdict: decision === 'rollback' ? 'fail' : verdict,
    reasons: [...reasons, ...extra],
    inconclusive,
  });

  if (verdict === 'fail') return outcome('rollback');
  if (evidence?.outcome === 'regression') return { decision: 'rollback', verdict: 'fail', reasons: [evidence.reason], inconclusive: facts.inconclusiveSoFar };
  // A gate follows a step that already passed its minimum time.
  if (facts.phase !== 'gate' && facts.observedSeconds < facts.minObservedSeconds) {
    const bakedEnough = facts.phase === 'step' && facts.observedSeconds >= (facts.minBakeSeconds ?? facts.minObservedSeconds);
    if (bakedEnough && verdict === 'pass' && evidence?.outcome === 'bounded') {
      const early = `passed early, after ${facts.observedSeconds} s of the ${facts.minObservedSeconds} s pause`;
      return outcome(waitsForPerson(facts) ? 'hold' : passedOn(facts), facts.inconclusiveSoFar, [early]);
    }
    return outcome('continue');
  }
  if (verdict === 'inconclusive') {
    if (facts.phase === 'preview') return outcome('advance');
    if (facts.phase === 'gate') return outcome(facts.requested === 'promote' ? passedOn(facts) : 'continue');
    if (facts.inconclusiveSoFar >= facts.maxInconclusive && evidence) {
      // Sequential analysis never fails or promotes for lack of traffic: it waits for a person, still analysing.
      return {
        decision: 'hold',
        verdict: 'inconclusive',
        reasons: [
          `not enough traffic to judge after ${facts.inconclusiveSoFar} inconclusive intervals (limit ${facts.maxInconclusive}): ${reasons.join('; ')}; ` +
            'waiting for more traffic, or for a person to promote or abort',
        ],
        inconclusive: facts.inconclusiveSoFar,
      };
    }
    if (facts.inconclusiveSoFar >= facts.maxInconclusive) {
      return {
        decision: 'rollback',
        verdict: 'fail',
        reasons: [
          `not enough traffic to judge after ${facts.inconclusiveSoFar} inconclusive intervals (limit ${facts.maxInconclusive}): ${reasons.join('; ')}`,
        ],
        inconclusive: facts.inconclusiveSoFar,
      };
    }
    return outcome('continue', facts.inconclusiveSoFar + 1);
  }
  if (evidence?.outcome === 'open' && evidence.canaryWorse && facts.phase === 'step') {
    // At most the pause again, and at most maxInconclusive intervals.
    if (facts.inconclusiveSoFar < facts.maxInconclusive && facts.observedSeconds < 2 * facts.minObservedSeconds) {
      return outcome('continue', facts.inconclusiveSoFar + 1, ['extending the step: the evidence leans towards a regression, not significantly yet']);
    }
  }
  return outcome(waitsForPerson(facts) ? 'hold' : passedOn(facts));
}

/** A passed manual step (or gate) not yet promoted waits for a person. */
function waitsForPerson(facts: StepFacts): boolean {
  return (facts.phase === 'step' || facts.phase === 'gate') && facts.gate === 'manual' && facts.requested !== 'promote';
}

/** Where a passed phase goes: the next phase, or promotion after the last one. */
function passedOn(facts: StepFacts): StepDecision {
  if (facts.phase === 'preview') return 'advance';
  if (facts.phase === 'switched') return 'promote';
  return facts.stepIndex + 1 >= facts.stepCount ? 'promote' : 'advance';
}

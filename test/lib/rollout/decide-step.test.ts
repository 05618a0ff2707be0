import { describe, expect, it } from 'vitest';
import type { StepDecision, Verdict } from '../../../lib/model/rollout-task-contract.js';
import type { StepJudgement } from '../../../lib/rollout/analysis.js';
import { decideBeforeJudging, decideStep, type StepFacts } from '../../../lib/rollout/decide-step.js';
import { countsBefore, EMPTY_COUNTS, nextTally } from '../../../lib/rollout/phase-tally.js';
import type { EvidenceWeight } from '../../../lib/rollout/weigh-evidence.js';

/** Step 1 of 3, an automatic gate, a 60 s pause observed for 90 s, nothing requested, 2 inconclusive allowed. */
const BASE: StepFacts = {
  phase: 'step',
  stepIndex: 0,
  stepCount: 3,
  observedSeconds: 90,
  minObservedSeconds: 60,
  gate: 'auto',
  gateTimeoutSeconds: 600,
  maxInconclusive: 2,
  inconclusiveSoFar: 0,
  requested: undefined,
  runsThisRollout: true,
};

const judged = (verdict: Verdict): StepJudgement => ({ verdict, reasons: [`judged ${verdict}`] });

describe('decideStep', () => {
  type Case = { name: string; facts: Partial<StepFacts>; judgement: Verdict; decision: StepDecision; verdict: Verdict; inconclusive?: number; reason?: RegExp };
  const cases: Case[] = [
    // 1–3: no metrics needed
    {
      name: 'an abort request wins over a passing analysis',
      facts: { requested: 'abort' },
      judgement: 'pass',
      decision: 'abort',
      verdict: 'inconclusive',
      reason: /^aborted on request$/,
    },
    { name: 'an abort request wins over a failing analysis', facts: { requested: 'abort' }, judgement: 'fail', decision: 'abort', verdict: 'inconclusive' },
    {
      name: 'rejected while its pods were awaited: rollback with the reason a person reads',
      facts: { requested: 'abort', rejection: 'analysis failed: canary pods crash-looping: 1 of 1 pod, 3 restarts (CrashLoopBackOff)' },
      judgement: 'pass',
      decision: 'rollback',
      verdict: 'fail',
      reason: /^canary pods crash-looping: 1 of 1 pod, 3 restarts \(CrashLoopBackOff\)$/,
    },
    {
      name: 'deregistered or superseded: abort',
      facts: { runsThisRollout: false },
      judgement: 'pass',
      decision: 'abort',
      verdict: 'inconclusive',
      reason: /no longer runs this rollout/,
    },
    {
      name: 'a manual gate not promoted within its timeout: abort',
      facts: { phase: 'gate', gate: 'manual', observedSeconds: 661 },
      judgement: 'pass',
      decision: 'abort',
      verdict: 'inconclusive',
      reason: /manual gate was not promoted within 600 s/,
    },
    {
      name: 'a gate exactly at its timeout still holds',
      facts: { phase: 'gate', gate: 'manual', observedSeconds: 660 },
      judgement: 'pass',
      decision: 'hold',
      verdict: 'pass',
    },
    {
      name: 'a gate past its timeout that was promoted advances',
      facts: { phase: 'gate', gate: 'manual', observedSeconds: 900, requested: 'promote' },
      judgement: 'pass',
      decision: 'advance',
      verdict: 'pass',
    },
    // 4: failure
    {
      name: 'a failing analysis before the minimum time rolls back at once',
      facts: { observedSeconds: 30 },
      judgement: 'fail',
      decision: 'rollback',
      verdict: 'fail',
      reason: /judged fail/,
    },
    { name: 'a failing analysis at a gate rolls back', facts: { phase: 'gate', gate: 'manual' }, judgement: 'fail', decision: 'rollback', verdict: 'fail' },
    {
      name: 'a failing blue/green preview rolls back',
      facts: { phase: 'preview', observedSeconds: 10 },
      judgement: 'fail',
      decision: 'rollback',
      verdict: 'fail',
    },
    // 5: minimum time
    { name: 'a pass before the minimum time keeps observing', facts: { observedSeconds: 30 }, judgement: 'pass', decision: 'continue', verdict: 'pass' },
    {
      name: 'inconclusive before the minimum time is not counted',
      facts: { observedSeconds: 60, minObservedSeconds: 61, inconclusiveSoFar: 1 },
      judgement: 'inconclusive',
      decision: 'continue',
      verdict: 'inconclusive',
      inconclusive: 1,
    },
    // 6: inconclusive after the minimum
    {
      name: 'inconclusive after the minimum is counted',
      facts: { inconclusiveSoFar: 1 },
      judgement: 'inconclusive',
      decision: 'continue',
      verdict: 'inconclusive',
      inconclusive: 2,
    },
    {
      name: 'inconclusive once the limit was counted: rollback, not enough traffic',
      facts: { inconclusiveSoFar: 2 },
      judgement: 'inconclusive',
      decision: 'rollback',
      verdict: 'fail',
      inconclusive: 2,
      reason: /^not enough traffic to judge after 2 inconclusive intervals \(limit 2\): judged inconclusive$/,
    },
    {
      name: 'an inconclusive preview is accepted at its end',
      facts: { phase: 'preview', stepCount: 1 },
      judgement: 'inconclusive',
      decision: 'advance',
      verdict: 'inconclusive',
    },
    {
      name: 'an inconclusive switched phase is counted',
      facts: { phase: 'switched', stepCount: 1 },
      judgement: 'inconclusive',
      decision: 'continue',
      verdict: 'inconclusive',
      inconclusive: 1,
    },
    {
      name: 'inconclusive at a gate waits uncounted',
      facts: { phase: 'gate', gate: 'manual', inconclusiveSoFar: 2 },
      judgement: 'inconclusive',
      decision: 'continue',
      verdict: 'inconclusive',
      inconclusive: 2,
    },
    {
      name: 'inconclusive at a promoted gate advances',
      facts: { phase: 'gate', gate: 'manual', requested: 'promote' },
      judgement: 'inconclusive',
      decision: 'advance',
      verdict: 'inconclusive',
    },
    // 7: passed
    { name: 'a pass after the minimum time advances to the next step', facts: {}, judgement: 'pass', decision: 'advance', verdict: 'pass' },
    { name: 'a pass exactly at the minimum time advances', facts: { observedSeconds: 60 }, judgement: 'pass', decision: 'advance', verdict: 'pass' },
    { name: 'a pass of the last step promotes', facts: { stepIndex: 2 }, judgement: 'pass', decision: 'promote', verdict: 'pass' },
    { name: 'a passed manual step holds for a person', facts: { gate: 'manual' }, judgement: 'pass', decision: 'hold', verdict: 'pass' },
    {
      name: 'a manual step promoted before it passed advances',
      facts: { gate: 'manual', requested: 'promote' },
      judgement: 'pass',
      decision: 'advance',
      verdict: 'pass',
    },
    {
      name: 'a passed gate without a promote request holds',
      facts: { phase: 'gate', gate: 'manual', observedSeconds: 30 },
      judgement: 'pass',
      decision: 'hold',
      verdict: 'pass',
    },
    {
      name: 'a promoted gate on the last step promotes',
      facts: { phase: 'gate', gate: 'manual', stepIndex: 2, requested: 'promote' },
      judgement: 'pass',
      decision: 'promote',
      verdict: 'pass',
    },
    {
      name: 'a passed blue/green preview switches traffic',
      facts: { phase: 'preview', stepCount: 1 },
      judgement: 'pass',
      decision: 'advance',
      verdict: 'pass',
    },
    { name: 'a passed switched phase promotes', facts: { phase: 'switched', stepCount: 1 }, judgement: 'pass', decision: 'promote', verdict: 'pass' },
    {
      name: 'a switched phase still within keepOldSeconds keeps observing',
      facts: { phase: 'switched', observedSeconds: 30 },
      judgement: 'pass',
      decision: 'continue',
      verdict: 'pass',
    },
  ];

  it.each(cases)('$name', ({ facts, judgement, decision, verdict, inconclusive, reason }) => {
    const all = { ...BASE, ...facts };
    const outcome = decideStep(all, judged(judgement));
    expect(outcome.decision).toBe(decision);
    expect(outcome.verdict).toBe(verdict);
    expect(outcome.inconclusive).toBe(inconclusive ?? all.inconclusiveSoFar);
    if (reason) expect(outcome.reasons.join('; ')).toMatch(reason);
  });

  it('decides the metric-free rules before judging, and nothing else', () => {
    expect(decideBeforeJudging({ ...BASE, requested: 'abort' })?.decision).toBe('abort');
    expect(decideBeforeJudging({ ...BASE, runsThisRollout: false })?.decision).toBe('abort');
    expect(decideBeforeJudging({ ...BASE, phase: 'gate', observedSeconds: 10_000 })?.decision).toBe('abort');
    expect(decideBeforeJudging({ ...BASE, requested: 'promote' })).toBeUndefined();
    expect(decideBeforeJudging({ ...BASE, observedSeconds: 10_000 })).toBeUndefined();
  });

  it('keeps the judgement reasons a person reads', () => {
    expect(decideStep(BASE, { verdict: 'pass', reasons: ['error rate 0% is within limits', 'p99 latency 80 ms is within the limit'] }).reasons).toEqual([
      'error rate 0% is within limits',
      'p99 latency 80 ms is within the limit',
    ]);
  });
});

describe('decideStep with the sequential test', () => {
  const weight = (outcome: EvidenceWeight['outcome'], canaryWorse = false): EvidenceWeight => ({
    outcome,
    canaryWorse,
    reason: `evidence ${outcome}`,
    statistic: { evidence: 1, evidenceNeeded: 100, canaryRateUpper: 0, tolerated: 0, alpha: 0.01 },
  });
  const early = { ...BASE, observedSeconds: 30, minBakeSeconds: 30 };
  it.each([
    {
      name: 'a significant regression rolls back before the pause ends',
      facts: early,
      judgement: 'pass',
      outcome: 'regression',
      decision: 'rollback',
      reason: /^evidence regression$/,
    },
    {
      name: 'a significant regression rolls back at a gate',
      facts: { ...BASE, phase: 'gate', gate: 'manual' },
      judgement: 'pass',
      outcome: 'regression',
      decision: 'rollback',
    },
    {
      name: 'a broken hard limit rolls back whatever the evidence',
      facts: early,
      judgement: 'fail',
      outcome: 'bounded',
      decision: 'rollback',
      reason: /judged fail/,
    },
    {
      name: 'bounded evidence after the minimum bake advances early',
      facts: early,
      judgement: 'pass',
      outcome: 'bounded',
      decision: 'advance',
      reason: /passed early, after 30 s of the 60 s pause/,
    },
    { name: 'bounded evidence on the last step promotes early', facts: { ...early, stepIndex: 2 }, judgement: 'pass', outcome: 'bounded', decision: 'promote' },
    { name: 'bounded evidence on a manual step holds early', facts: { ...early, gate: 'manual' }, judgement: 'pass', outcome: 'bounded', decision: 'hold' },
    {
      name: 'bounded evidence before the minimum bake keeps observing',
      facts: { ...early, minBakeSeconds: 45 },
      judgement: 'pass',
      outcome: 'bounded',
      decision: 'continue',
    },
    {
      name: 'bounded evidence with too few requests in the interval for the guards advances early',
      facts: early,
      judgement: 'inconclusive',
      outcome: 'bounded',
      decision: 'advance',
    },
    {
      name: 'open evidence keeps observing until the pause ends',
      facts: early,
      judgement: 'pass',
      outcome: 'open',
      decision: 'continue',
      reason: /evidence open/,
    },
    { name: 'open evidence at the end of the pause advances as without the test', facts: BASE, judgement: 'pass', outcome: 'open', decision: 'advance' },
    { name: 'a blue/green preview is not passed early', facts: { ...early, phase: 'preview' }, judgement: 'pass', outcome: 'bounded', decision: 'continue' },
    {
      name: 'too little traffic in the interval, errors bounded: judged passed',
      facts: BASE,
      judgement: 'inconclusive',
      outcome: 'bounded',
      decision: 'advance',
    },
    {
      name: 'not enough traffic to judge: holds for a person instead of failing',
      facts: { ...BASE, inconclusiveSoFar: 2 },
      judgement: 'inconclusive',
      outcome: 'open',
      decision: 'hold',
      reason: /^not enough traffic to judge after 2 inconclusive intervals \(limit 2\): .*waiting for more traffic, or for a person to promote or abort$/,
    },
    {
      name: 'below the limit, too little traffic is counted',
      facts: { ...BASE, inconclusiveSoFar: 1 },
      judgement: 'inconclusive',
      outcome: 'open',
      decision: 'continue',
    },
    {
      name: 'holding for traffic at an automatic gate, a pass advances',
      facts: { ...BASE, phase: 'gate' },
      judgement: 'pass',
      outcome: 'open',
      decision: 'advance',
    },
    {
      name: 'suspicious (errors above stable, not significant) at the end of the pause: the step is extended',
      facts: BASE,
      judgement: 'pass',
      outcome: 'open',
      worse: true,
      decision: 'continue',
      reason: /extending the step/,
    },
    {
      name: 'suspicious once the extension is used up: advances',
      facts: { ...BASE, inconclusiveSoFar: 2 },
      judgement: 'pass',
      outcome: 'open',
      worse: true,
      decision: 'advance',
    },
    {
      name: 'suspicious after twice the pause: advances',
      facts: { ...BASE, observedSeconds: 120 },
      judgement: 'pass',
      outcome: 'open',
      worse: true,
      decision: 'advance',
    },
    { name: 'an abort request wins over a regression', facts: { ...early, requested: 'abort' }, judgement: 'pass', outcome: 'regression', decision: 'abort' },
  ] as { name: string; facts: StepFacts; judgement: Verdict; outcome: EvidenceWeight['outcome']; worse?: boolean; decision: StepDecision; reason?: RegExp }[])(
    '$name',
    ({ facts, judgement, outcome, worse, decision, reason }) => {
      const decided = decideStep(facts, judged(judgement), weight(outcome, worse));
      expect(decided.decision).toBe(decision);
      if (decision === 'rollback') expect(decided.verdict).toBe('fail');
      if (reason) expect(decided.reasons.join('; ')).toMatch(reason);
    },
  );
});

describe('phase tally', () => {
  it('starts each phase from zero, carries a step into its gate, and lets a retried analysis start from the counts before it', () => {
    const seen = { canary: { requests: 300, errors: 1 }, stable: { requests: 2700, errors: 5 } };
    const afterStep = nextTally('step', 90, EMPTY_COUNTS, { inconclusive: 1, evidence: seen });
    expect(countsBefore(undefined, 'step', 30)).toEqual(EMPTY_COUNTS);
    expect(countsBefore(afterStep, 'step', 120)).toEqual({ inconclusive: 1, evidence: seen });
    expect(countsBefore(afterStep, 'gate', 120)).toEqual({ inconclusive: 1, evidence: seen });
    expect(countsBefore(afterStep, 'step', 90)).toEqual(EMPTY_COUNTS); // a retry of the analysis at 90 s
    // The evidence goes on across phases and steps (an error rate per request does not depend on the weight).
    const afterPreview = nextTally('preview', 60, EMPTY_COUNTS, { inconclusive: 3, evidence: seen });
    expect(countsBefore(afterPreview, 'switched', 30)).toEqual({ inconclusive: 0, evidence: seen });
    expect(countsBefore(undefined, 'step', 30, afterStep)).toEqual({ inconclusive: 0, evidence: seen });
    expect(countsBefore({ unrelated: true }, 'step', 30)).toEqual(EMPTY_COUNTS);
  });
});

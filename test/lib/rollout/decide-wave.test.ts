import { describe, expect, it } from 'vitest';
import type { StepAnalysis } from '../../../lib/rollout/analyze-step.js';
import { afterWavePassed, combineClusterAnalyses, decideBake, inWaves, type BakeFacts } from '../../../lib/rollout/decide-wave.js';
import type { StepOutcome } from '../../../lib/rollout/decide-step.js';

const snap = (requests: number, errors: number, p99: number | null = 40) => ({
  requests,
  errors,
  errorRate: requests ? errors / requests : 0,
  p99LatencyMs: p99,
});
const analysis = (verdict: StepAnalysis['verdict'], reason: string, canary = snap(100, 0)): StepAnalysis => ({
  verdict,
  reasons: [reason],
  canary,
  stable: snap(300, 0),
  histograms: {},
});

describe('combineClusterAnalyses', () => {
  it.each([
    ['every cluster passes → pass, reasons of each', ['pass', 'pass'], 'pass', ['a: ok a', 'b: ok b']],
    ['one inconclusive → inconclusive', ['pass', 'inconclusive'], 'inconclusive', ['a: ok a', 'b: ok b']],
    ['one fails → fail, only the failing cluster speaks', ['pass', 'fail'], 'fail', ['b: ok b']],
    ['a failure outranks an inconclusive', ['inconclusive', 'fail'], 'fail', ['b: ok b']],
  ] as const)('%s', (_name, verdicts, verdict, reasons) => {
    const combined = combineClusterAnalyses([
      { cluster: 'a', analysis: analysis(verdicts[0], 'ok a') },
      { cluster: 'b', analysis: analysis(verdicts[1], 'ok b') },
    ]);
    expect(combined.verdict).toBe(verdict);
    expect(combined.reasons).toEqual(reasons);
    expect(Object.keys(combined.clusters)).toEqual(['a', 'b']);
  });

  it('adds the counts up and keeps the worst p99', () => {
    const combined = combineClusterAnalyses([
      { cluster: 'a', analysis: analysis('pass', 'x', snap(100, 1, 40)) },
      { cluster: 'b', analysis: analysis('pass', 'y', snap(300, 3, null)) },
    ]);
    expect(combined.canary).toEqual({ requests: 400, errors: 4, errorRate: 0.01, p99LatencyMs: 40 });
  });

  it('one cluster: its analysis unchanged', () => {
    const one = analysis('fail', 'error rate too high');
    expect(combineClusterAnalyses([{ cluster: 'a', analysis: one }])).toMatchObject({ verdict: 'fail', reasons: ['error rate too high'] });
  });
});

describe('decideBake', () => {
  const facts = (over: Partial<BakeFacts> = {}): BakeFacts => ({
    observedSeconds: 30,
    minObservedSeconds: 90,
    requested: undefined,
    runsThisRollout: true,
    lastWave: false,
    ...over,
  });
  it.each<[string, Partial<BakeFacts>, StepAnalysis['verdict'], StepOutcome['decision']]>([
    ['a failing cluster rolls back at once', {}, 'fail', 'rollback'],
    ['a failure at the end of the bake still rolls back', { observedSeconds: 90 }, 'fail', 'rollback'],
    ['before bakeSeconds: continue', {}, 'pass', 'continue'],
    ['too little traffic is no failure during the bake', {}, 'inconclusive', 'continue'],
    ['baked: the next wave', { observedSeconds: 90 }, 'pass', 'advance'],
    ['baked after an inconclusive interval: the next wave', { observedSeconds: 120 }, 'inconclusive', 'advance'],
    ['baked after the last wave: promote', { observedSeconds: 90, lastWave: true }, 'pass', 'promote'],
    ['an abort request aborts', { requested: 'abort' }, 'pass', 'abort'],
    ['a rejection (crash loop) rolls back', { requested: 'abort', rejection: 'analysis failed: pods crash' }, 'pass', 'rollback'],
    ['superseded or deregistered: abort', { runsThisRollout: false }, 'pass', 'abort'],
  ])('%s', (_name, over, verdict, decision) => {
    expect(decideBake(facts(over), { verdict, reasons: ['r'] }).decision).toBe(decision);
  });
});

describe('inWaves / afterWavePassed', () => {
  const outcome = (decision: StepOutcome['decision']): StepOutcome => ({ decision, verdict: 'pass', reasons: [], inconclusive: 0 });
  it.each<[StepOutcome['decision'], boolean, StepOutcome['decision']]>([
    ['promote', true, 'passWave'],
    ['promote', false, 'promote'],
    ['advance', true, 'advance'],
    ['rollback', true, 'rollback'],
  ])('%s with waves=%s → %s', (decision, hasWaves, expected) => {
    expect(inWaves(outcome(decision), hasWaves).decision).toBe(expected);
  });
  it.each([
    [{ bakeSeconds: 60, lastWave: false }, 'bake'],
    [{ bakeSeconds: 60, lastWave: true }, 'bake'],
    [{ bakeSeconds: 0, lastWave: false }, 'advance'],
    [{ bakeSeconds: 0, lastWave: true }, 'promote'],
  ] as const)('%j → %s', (facts, expected) => {
    expect(afterWavePassed(facts)).toBe(expected);
  });
});

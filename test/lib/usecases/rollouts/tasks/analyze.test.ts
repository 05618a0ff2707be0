import { describe, expect, it } from 'vitest';
import { AnalysisPolicy } from '../../../../../lib/model/service-spec.js';
import type { AnalyzeRequest } from '../../../../../lib/model/rollout-task-contract.js';
import type { DeploymentRecord } from '../../../../../lib/model/records.js';
import { analyze } from '../../../../../lib/usecases/rollouts/tasks/analyze.js';
import { setWeight } from '../../../../../lib/usecases/rollouts/tasks/set-weight.js';
import { eventTypes, readyOnCluster, reject, startedRollout, target, useTaskWorld, type TaskWorld } from './task-world.js';

const world = useTaskWorld();

const request = (d: DeploymentRecord, overrides: Partial<AnalyzeRequest> = {}): AnalyzeRequest => ({
  action: 'analyze',
  ...target(d),
  track: 'canary',
  phase: 'step',
  stepIndex: 0,
  weight: 50,
  observedSeconds: 30,
  stepCount: 4,
  minObservedSeconds: 60,
  gate: 'auto',
  gateTimeoutSeconds: 14_400,
  analysis: AnalysisPolicy.parse({}),
  ...overrides,
});

/** A canary of `image` taking half the traffic, its pods ready. */
async function canaryAtHalf(w: TaskWorld, service: string, image: string): Promise<DeploymentRecord> {
  const d = await startedRollout(w, service, image);
  await setWeight(w.app, { action: 'setWeight', ...target(d), track: 'canary', stepIndex: 0, weight: 50 });
  await readyOnCluster(w, `${service}-canary`, 1);
  return d;
}

describe('analyze', () => {
  it('fails a canary serving errors, on the cluster’s own metrics: the verdict and the figures are recorded on the step', async () => {
    const w = world();
    const image = 'registry.example.com/test/analyze-bad:2.0.0';
    const d = await canaryAtHalf(w, 'analyze-bad', image);
    w.sim.faults.traffic({ image, errorRate: 0.5 });
    try {
      await w.sim.advanceTime(60);
      const res = await analyze(w.app, request(d));
      expect(res).toMatchObject({ decision: 'rollback', verdict: 'fail', promoteRequested: false });
    } finally {
      w.sim.faults.clear();
    }
    const step = (await w.app.store.getDeployment('analyze-bad', d.id))?.steps[0];
    expect(step).toMatchObject({ verdict: 'fail', metrics: { analyses: 1, phase: 'step', decision: 'rollback' } });
    expect(step?.finishedAt).toBeDefined();
    expect((step?.metrics as { canary: { errorRate: number } }).canary.errorRate).toBeGreaterThan(0.2);
    expect(await eventTypes(w, 'analyze-bad')).toContain('AnalysisFailed');
  });

  it('rolls back a canary only slower (p99 3×, under the 500 ms limit) on the sequential latency test, recording its statistic on the step', async () => {
    const w = world();
    const image = 'registry.example.com/test/analyze-slow:2.0.0';
    const d = await canaryAtHalf(w, 'analyze-slow', image);
    w.sim.faults.traffic({ image, p99LatencyMs: 120 }); // stable's is 40 ms
    try {
      await w.sim.advanceTime(60);
      const res = await analyze(w.app, request(d));
      expect(res).toMatchObject({ decision: 'rollback', verdict: 'fail' });
      expect(res.reasons.join('; ')).toMatch(
        /^latency is significantly higher on the canary, beyond 1\.2× stable's: [\d.]+% of canary requests slower than \d+ ms/,
      );
    } finally {
      w.sim.faults.clear();
    }
    const step = (await w.app.store.getDeployment('analyze-slow', d.id))?.steps[0];
    const sequential = (step?.metrics as { sequential: Record<string, any> }).sequential;
    expect(sequential).toMatchObject({ outcome: 'regression', evidenceNeeded: 111.1, latency: { outcome: 'regression', maxLatencyRatio: 1.2 } });
    expect(sequential.latency.evidence).toBeGreaterThanOrEqual(sequential.latency.evidenceNeeded);
    expect(sequential.latency.canarySlowShare).toBeGreaterThan(sequential.latency.toleratedSlowShare);
  });

  it('passes a healthy canary early once its errors and latency are bounded, long before the pause ends', async () => {
    const w = world();
    const d = await canaryAtHalf(w, 'analyze-early', 'registry.example.com/test/analyze-early:2.0.0');
    // 10 rps to the canary, no errors: each 30 s interval adds 300 requests to the evidence, carried on the step.
    const decisions: string[] = [];
    for (let observed = 30; observed <= 300 && decisions.at(-1) !== 'advance'; observed += 30) {
      await w.sim.advanceTime(30);
      const res = await analyze(w.app, request(d, { observedSeconds: observed, minObservedSeconds: 600 }));
      decisions.push(res.decision);
      if (res.decision === 'advance') expect(res.reasons.at(-1)).toBe(`passed early, after ${observed} s of the 600 s pause`);
      else expect(res.reasons.join('; ')).toMatch(/not yet enough evidence either way/);
    }
    expect(decisions.at(-1)).toBe('advance');
    expect(decisions.slice(0, -1).every((x) => x === 'continue')).toBe(true);
    const sequential = ((await w.app.store.getDeployment('analyze-early', d.id))?.steps[0].metrics as { sequential: Record<string, any> }).sequential;
    expect(sequential).toMatchObject({ outcome: 'bounded', latency: { outcome: 'bounded', maxLatencyRatio: 1.2 } });
    expect(sequential.canaryRateUpper).toBeLessThanOrEqual(sequential.tolerated);
  });

  it('a healthy canary passes; at a manual gate the deployment waits paused until a promote request, which the next pass consumes', async () => {
    const w = world();
    const d = await canaryAtHalf(w, 'analyze-gate', 'registry.example.com/test/analyze-gate:2.0.0');
    await w.sim.advanceTime(60);

    expect(await analyze(w.app, request(d, { phase: 'gate', gate: 'manual', observedSeconds: 90 }))).toMatchObject({
      decision: 'hold',
      verdict: 'pass',
      promoteRequested: false,
    });
    expect((await w.app.store.getDeployment('analyze-gate', d.id))?.status).toBe('paused');

    const paused = (await w.app.store.getDeployment('analyze-gate', d.id))!;
    await w.app.store.putDeployment({ ...paused, requested: 'promote', version: paused.version + 1 }, paused.version);
    await w.sim.advanceTime(30);
    expect(await analyze(w.app, request(d, { phase: 'gate', gate: 'manual', observedSeconds: 120 }))).toMatchObject({
      decision: 'advance',
      verdict: 'pass',
      promoteRequested: true,
    });
    const released = await w.app.store.getDeployment('analyze-gate', d.id);
    expect(released).toMatchObject({ status: 'running', steps: [{ verdict: 'pass', metrics: { analyses: 2 } }] });
    expect(released?.requested).toBeUndefined();
    expect(await eventTypes(w, 'analyze-gate')).not.toContain('AnalysisFailed');
  });

  it('reports an abort recorded on the deployment without judging or recording anything', async () => {
    const w = world();
    const d = await startedRollout(w, 'analyze-abort', 'registry.example.com/test/analyze-abort:2.0.0');
    const rejected = await reject(w, d, 'aborted: on request');

    expect(await analyze(w.app, request(d))).toEqual({ decision: 'abort', verdict: 'inconclusive', reasons: ['aborted on request'], promoteRequested: false });
    expect(await w.app.store.getDeployment('analyze-abort', d.id)).toEqual(rejected);
  });

  it('aborts a manual gate nobody promoted within its timeout', async () => {
    const w = world();
    const d = await startedRollout(w, 'analyze-timeout', 'registry.example.com/test/analyze-timeout:2.0.0');
    const before = await w.app.store.getDeployment('analyze-timeout', d.id);
    // The default steps: 60 s pause, 4 h gate timeout.
    const res = await analyze(w.app, request(d, { phase: 'gate', gate: 'manual', observedSeconds: 60 + 14_400 + 1 }));
    expect(res).toMatchObject({ decision: 'abort', verdict: 'inconclusive' });
    expect(res.reasons[0]).toMatch(/manual gate was not promoted within 14400 s/);
    expect(await w.app.store.getDeployment('analyze-timeout', d.id)).toEqual(before);
  });

  it('aborts when the service does not carry this rollout (its traffic belongs to another deployment)', async () => {
    const w = world();
    const d = await startedRollout(w, 'analyze-gone', 'registry.example.com/test/analyze-gone:2.0.0');
    const other = { ...d, id: `${d.id}-other` };
    expect(await analyze(w.app, request(other))).toMatchObject({
      decision: 'abort',
      verdict: 'inconclusive',
      reasons: ['the service no longer runs this rollout'],
    });
  });
});

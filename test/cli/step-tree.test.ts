import { describe, expect, it } from 'vitest';
import { renderStepTree, type DeploymentView } from '../../cli/step-tree.js';

const policy = {
  steps: [{ weight: 10 }, { weight: 50, gate: 'manual' }, { weight: 100 }],
  analysis: { maxErrorRate: 0.01, maxP99LatencyMs: 500 },
};

const analysed = {
  analyses: 3,
  phase: 'canary',
  decision: 'continue',
  canary: { requests: 300, errors: 1, errorRate: 1 / 300, p99LatencyMs: 120.4 },
  stable: { requests: 2700, errors: 3, errorRate: 3 / 2700, p99LatencyMs: 110 },
  sequential: { outcome: 'open', evidence: 2.5, evidenceNeeded: 100, canaryRateUpper: 0.012, tolerated: 0.0061 },
};

describe('deployments get: the step tree', () => {
  it('shows every step of the policy, the running one with its latest analysis against the limits, and the ones to come', () => {
    const d: DeploymentView = {
      id: 'd-1',
      service: 'checkout',
      image: 'checkout:2',
      status: 'running',
      strategy: 'canary',
      currentStep: 1,
      currentWeight: 50,
      steps: [
        {
          index: 0,
          weight: 10,
          startedAt: '2026-12-05T10:00:00Z',
          finishedAt: '2026-12-05T10:00:42Z',
          verdict: 'pass',
          metrics: { analyses: 2, decision: 'advance' },
        },
        { index: 1, weight: 50, startedAt: '2026-12-05T10:00:42Z', verdict: 'pass', reasons: ['not yet enough evidence either way'], metrics: analysed },
      ],
    };
    expect(renderStepTree(d, policy)).toEqual([
      'deployment d-1 of checkout: checkout:2 (canary)',
      'status: running, step 2 of 3, 50% to the new version',
      '├─ step 1 at 10%: ✔ pass in 42 s',
      '│  └─ analysis 2: advance',
      '├─ step 2 at 50% [manual gate]: running (✔ pass)',
      '│  └─ analysis 3 (canary): continue',
      '│     canary: error rate 0.333% (1 of 300) (limit 1%), p99 120 ms (limit 500 ms)',
      '│     stable: error rate 0.111% (3 of 2700), p99 110 ms',
      '│     sequential: open; evidence of regression 2.5 (rollback at 100); canary error rate at most 1.2% (tolerated 0.61%)',
      '│     · not yet enough evidence either way',
      '└─ step 3 at 100%: to come',
    ]);
  });

  it('a rolled-back deployment shows its reason and the failed step; missing numbers print as dashes', () => {
    const d: DeploymentView = {
      id: 'd-2',
      service: 'checkout',
      image: 'checkout:3',
      status: 'rolledBack',
      reason: 'canary pods crash-looping: 3 restarts in 40 s (CrashLoopBackOff)',
      steps: [
        {
          index: 0,
          weight: 10,
          startedAt: '2026-12-05T10:00:00Z',
          finishedAt: '2026-12-05T10:03:05Z',
          verdict: 'fail',
          metrics: { analyses: 1, decision: 'rollback', canary: { requests: 0, errors: 0, errorRate: 0, p99LatencyMs: null } },
        },
      ],
    };
    const lines = renderStepTree(d, policy);
    expect(lines).toContain('reason: canary pods crash-looping: 3 restarts in 40 s (CrashLoopBackOff)');
    expect(lines).toContain('├─ step 1 at 10%: ✖ fail in 3 min 5 s');
    expect(lines).toContain('│     canary: error rate 0% (0 of 0) (limit 1%), p99 – (limit 500 ms)');
    expect(lines.at(-1)).toBe('└─ step 3 at 100%: to come');
  });

  it('without a policy it shows the steps the record has', () => {
    const lines = renderStepTree({ id: 'd', service: 's', image: 'i', status: 'pending', steps: [] });
    expect(lines).toEqual(['deployment d of s: i (canary)', 'status: pending']);
  });
});

import { describe, expect, it } from 'vitest';
import { analysisLine, sequentialFigures } from '../../../cli/commands/deploy.js';

describe('deploy --watch: the analysis line', () => {
  it('is empty before the first analysis', () => {
    expect(analysisLine({ steps: [] })).toBe('');
    expect(analysisLine({ steps: [{ index: 0, weight: 10, startedAt: 'x' }] })).toBe('');
  });

  it('shows the newest analysed step: its decision and the reasons with the statistic and the bound', () => {
    const line = analysisLine({
      steps: [
        { index: 0, weight: 10, verdict: 'pass', reasons: ['done'], metrics: { analyses: 1, decision: 'advance' } },
        {
          index: 1,
          weight: 25,
          verdict: 'pass',
          reasons: ['error rate 0% (0 of 300 requests) is within limits', "not yet enough evidence either way: the canary's error rate may be up to 1.2%"],
          metrics: { analyses: 3, decision: 'continue' },
        },
      ],
    });
    expect(line).toBe(
      "step 2 at 25%, analysis 3: continue — error rate 0% (0 of 300 requests) is within limits; not yet enough evidence either way: the canary's error rate may be up to 1.2%",
    );
  });

  it('appends the sequential statistic and bounds of errors and latency, or says latency has no histogram', () => {
    const sequential = {
      outcome: 'open',
      evidence: 2.1,
      evidenceNeeded: 111.1,
      canaryRateUpper: 0.0093,
      tolerated: 0.006,
      alpha: 0.01,
      latency: { outcome: 'bounded', slowerThanMs: 25, evidence: 0.03, evidenceNeeded: 1000, canarySlowShareUpper: 0.12, toleratedSlowShare: 0.16 },
    };
    const line = analysisLine({
      steps: [{ index: 0, weight: 10, verdict: 'pass', reasons: ['r'], metrics: { analyses: 2, decision: 'continue', sequential } }],
    });
    expect(line).toBe(
      'step 1 at 10%, analysis 2: continue — r [errors: evidence 2.1 of 111.1 needed, rate ≤ 0.93% (tolerated 0.6%); ' +
        'latency > 25 ms: evidence 0.03 of 1000 needed, share ≤ 12% (tolerated 16%)]',
    );
    expect(sequentialFigures({ ...sequential, latency: undefined })).toMatch(/; latency: no histogram, p99 limit only$/);
  });
});

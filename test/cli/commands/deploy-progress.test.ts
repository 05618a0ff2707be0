import { describe, expect, it } from 'vitest';
import { analysisLine } from '../../../cli/commands/deploy.js';

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
});

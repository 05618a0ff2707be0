import { describe, expect, it } from 'vitest';
import { AnalysisPolicy } from '../../../lib/model/service-spec.js';
import type { WorkloadMetrics } from '../../../lib/ports/metrics-source.js';
import { judgeStep } from '../../../lib/rollout/analysis.js';

/** Defaults: maxErrorRate 1 %, maxErrorRateIncrease 0.5 points, p99 ≤ 500 ms, 50 requests, 10 inconclusive. */
const policy = AnalysisPolicy.parse({ method: 'threshold' });

function metrics(requests: number, errors: number, p99LatencyMs?: number): WorkloadMetrics {
  return { requests, errors, errorRate: requests > 0 ? errors / requests : 0, p99LatencyMs };
}

const healthyStable = metrics(1000, 2, 110); // 0.2 %

describe('judgeStep', () => {
  const cases: {
    name: string;
    canary: WorkloadMetrics;
    stable?: WorkloadMetrics;
    verdict: 'pass' | 'fail' | 'inconclusive';
    reasons: RegExp[];
  }[] = [
    {
      name: '0.5 % errors, p99 120 ms, stable at 0.2 %: within every limit',
      canary: metrics(1000, 5, 120),
      verdict: 'pass',
      reasons: [/error rate 0\.5% \(5 of 1000 requests\) is within limits/, /p99 latency 120 ms is within the limit/],
    },
    {
      name: 'exactly at the limits (1 % errors, p99 500 ms) still passes',
      canary: metrics(500, 5, 500),
      stable: metrics(1000, 10, 100), // 1 %: no increase
      verdict: 'pass',
      reasons: [/error rate 1% \(5 of 500 requests\) is within limits/, /p99 latency 500 ms is within the limit/],
    },
    {
      name: 'exactly minRequests is enough to judge',
      canary: metrics(50, 0, 80),
      verdict: 'pass',
      reasons: [/0 of 50 requests/, /p99 latency 80 ms/],
    },
    {
      name: '2 % errors (4 of 200) is above 1 % and 1.8 points above stable: fails at once',
      canary: metrics(200, 4, 100),
      verdict: 'fail',
      reasons: [/error rate 2% \(4 of 200 requests\) is above the limit of 1%/, /more than 0\.5% above stable's 0\.2%/],
    },
    {
      name: '2 % errors with an idle stable fails on the absolute limit alone',
      canary: metrics(200, 4, 100),
      stable: metrics(0, 0),
      verdict: 'fail',
      reasons: [/error rate 2% \(4 of 200 requests\) is above the limit of 1%/],
    },
    {
      name: '0.9 % is under 1 % but 0.7 points above stable 0.2 % (> 0.5): fails on the increase only',
      canary: metrics(1000, 9, 100),
      verdict: 'fail',
      reasons: [/error rate 0\.9% is more than 0\.5% above stable's 0\.2%/],
    },
    {
      name: 'the same 0.9 % passes when stable served too few requests to be a baseline',
      canary: metrics(1000, 9, 100),
      stable: metrics(40, 0, 90),
      verdict: 'pass',
      reasons: [/within limits/, /within the limit/, /stable served 40 requests: too few to compare against/],
    },
    {
      name: 'p99 650 ms is above 500 ms',
      canary: metrics(1000, 0, 650),
      verdict: 'fail',
      reasons: [/p99 latency 650 ms is above the limit of 500 ms/],
    },
    {
      name: 'every broken rule is reported: 3 % errors vs stable 0.2 % and p99 900 ms',
      canary: metrics(100, 3, 900),
      verdict: 'fail',
      reasons: [/above the limit of 1%/, /more than 0\.5% above stable's 0\.2%/, /p99 latency 900 ms/],
    },
    {
      name: 'latency unknown with enough requests is not a failure',
      canary: metrics(300, 0, undefined),
      verdict: 'pass',
      reasons: [/within limits/, /p99 latency unknown/],
    },
    {
      name: '49 requests are too few, even all failing: inconclusive',
      canary: metrics(49, 49, 100),
      verdict: 'inconclusive',
      reasons: [/not enough traffic yet: 49 of the 50 requests needed/],
    },
    {
      name: 'no traffic at all: inconclusive (decideStep decides how many a step tolerates)',
      canary: metrics(12.4, 0),
      verdict: 'inconclusive',
      reasons: [/not enough traffic yet: 12 of the 50 requests needed/],
    },
  ];

  it.each(cases)('$name', ({ canary, stable, verdict, reasons }) => {
    const judgement = judgeStep(policy, canary, stable ?? healthyStable);
    expect(judgement.verdict).toBe(verdict);
    expect(judgement.reasons).toHaveLength(reasons.length);
    reasons.forEach((pattern, i) => expect(judgement.reasons[i]).toMatch(pattern));
  });

  it('applies the policy it is given, not the defaults', () => {
    const strict = AnalysisPolicy.parse({ method: 'threshold', maxErrorRate: 0.001, maxP99LatencyMs: 100, minRequests: 10, maxInconclusive: 1 });
    expect(judgeStep(strict, metrics(1000, 2, 50), metrics(0, 0)).verdict).toBe('fail'); // 0.2 % > 0.1 %
    expect(judgeStep(strict, metrics(1000, 0, 150), metrics(0, 0)).verdict).toBe('fail'); // 150 ms > 100 ms
    expect(judgeStep(strict, metrics(10, 0, 50), metrics(0, 0)).verdict).toBe('pass');
    expect(judgeStep(strict, metrics(9, 0, 50), metrics(0, 0)).verdict).toBe('inconclusive');
  });
});

describe('judgeStep with the sequential method', () => {
  it('keeps the absolute guards and leaves the comparison with stable to the sequential test', () => {
    const sequential = AnalysisPolicy.parse({});
    expect(sequential.method).toBe('sequential');
    expect(judgeStep(sequential, metrics(1000, 9, 100), healthyStable).verdict).toBe('pass'); // 0.9 %: +0.7 points, not judged per interval
    expect(judgeStep(sequential, metrics(200, 4, 100), healthyStable).reasons).toEqual(['error rate 2% (4 of 200 requests) is above the limit of 1%']);
    expect(judgeStep(sequential, metrics(1000, 0, 650), healthyStable).verdict).toBe('fail');
  });
});

describe('judgeStep with a p99 beyond the largest histogram bucket', () => {
  it('fails it as slower than any limit', () => {
    const judgement = judgeStep(policy, metrics(500, 0, Infinity), healthyStable);
    expect(judgement).toEqual({ verdict: 'fail', reasons: ['p99 latency beyond the largest histogram bucket is above the limit of 500 ms'] });
  });
});

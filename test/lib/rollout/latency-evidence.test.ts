import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../lib/random.js';
import { addLatencyInterval, countAtOrBelow, shareAbove, slowLine, weighLatency, type LatencyEvidence } from '../../../lib/rollout/latency-evidence.js';
import { AnalysisPolicy } from '../../../lib/model/service-spec.js';
import type { LatencyHistogram } from '../../../lib/ports/metrics-source.js';
import { LATENCY_BUCKETS_MS } from '../../../lib/sim/traffic-model.js';
import { addInterval, NO_EVIDENCE, weighEvidence } from '../../../lib/rollout/weigh-evidence.js';

/** A Poisson draw (Knuth below 40, a normal approximation above). */
function poisson(next: () => number, mean: number): number {
  if (mean > 40) return Math.max(0, Math.round(mean + Math.sqrt(mean) * Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next())));
  let k = 0;
  let p = 1;
  const limit = Math.exp(-mean);
  for (;;) {
    p *= next();
    if (p <= limit) return k;
    k++;
  }
}

function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** One interval of a log-normal latency (σ 0.5) with this median, as Istio's buckets of a Poisson stream of `requests` on average. */
function histogram(next: () => number, requests: number, medianMs: number): LatencyHistogram {
  let below = 0;
  let cumulative = 0;
  const buckets = LATENCY_BUCKETS_MS.map((le) => {
    const cdf = normalCdf(Math.log(le / medianMs) / 0.5);
    cumulative += poisson(next, requests * (cdf - below));
    below = cdf;
    return { le, count: cumulative };
  });
  return { buckets, count: cumulative + poisson(next, requests * (1 - below)) };
}

/** An exact histogram: the expected counts. */
function exact(requests: number, medianMs: number): LatencyHistogram {
  return { buckets: LATENCY_BUCKETS_MS.map((le) => ({ le, count: requests * normalCdf(Math.log(le / medianMs) / 0.5) })), count: requests };
}

describe('histogram reading', () => {
  const buckets: [number, number][] = [
    [10, 100],
    [100, 900],
    [1000, 1000],
  ];
  it.each([
    { ms: 10, below: 100 }, // at a bound: exact
    { ms: 5, below: 50 }, // below the first bound: linear from 0
    { ms: Math.sqrt(10 * 100), below: 500 }, // halfway between 10 (10 %) and 100 (90 %) on a log scale: the probit's midpoint, 50 %
    { ms: 5_000, below: 1000 }, // beyond the last bound: all it counted
  ])('counts $below requests at or below $ms ms', ({ ms, below }) => {
    expect(countAtOrBelow(buckets, 1000, ms)).toBeCloseTo(below, 6);
  });

  it('interpolates between bounds as a log-normal: close to the truth where a straight line across a factor-2 bucket is far off', () => {
    const h = exact(10_000, 50);
    const pairs = h.buckets.map((b): [number, number] => [b.le, b.count]);
    expect(shareAbove(pairs, h.count, 50 / 1.2)).toBeCloseTo(1 - normalCdf(Math.log(50 / 1.2 / 50) / 0.5), 3);
    expect(shareAbove(pairs, h.count, 100 / 1.2)).toBeCloseTo(1 - normalCdf(Math.log(100 / 1.2 / 50) / 0.5), 3);
  });

  it('shares slower than a latency', () => {
    expect(shareAbove(buckets, 1000, 100)).toBeCloseTo(0.1, 9);
    expect(shareAbove([], 0, 100)).toBe(0);
  });

  it('puts the slow line on the bucket bound nearest the p90', () => {
    // p90 of a median-50 ms log-normal (σ 0.5) is 95 ms: the 100 ms bound.
    const h = exact(10_000, 50);
    expect(
      slowLine(
        h.buckets.map((b) => [b.le, b.count]),
        h.count,
      ),
    ).toBe(100);
    expect(slowLine([], 0)).toBeUndefined();
  });
});

describe('the latency test', () => {
  const alpha = 0.01;

  it('gathers nothing without histograms (a source without buckets, or no traffic)', () => {
    expect(addLatencyInterval(undefined, undefined, exact(100, 50), 1.2)).toBeUndefined();
    expect(addLatencyInterval(undefined, { buckets: [], count: 0 }, exact(100, 50), 1.2)).toBeUndefined();
    const policy = AnalysisPolicy.parse({});
    const weight = weighEvidence(policy, addInterval(NO_EVIDENCE, { requests: 3_000, errors: 0 }, { requests: 27_000, errors: 0 }));
    expect(weight.statistic.latency).toBeUndefined();
    expect(weight.outcome).toBe('bounded'); // latency then judged by the p99 limit alone
  });

  it.each([
    // canary median; outcome after one interval of 3,000 canary and 27,000 stable requests (exact counts)
    {
      name: 'as fast as stable: bounded within 1.2×',
      median: 50,
      outcome: 'bounded',
      reason: /^no latency regression beyond 1\.2× stable's: 8\.\d+% of canary requests slower than 100 ms/,
    },
    {
      name: '+50 %: a regression',
      median: 75,
      outcome: 'regression',
      reason:
        /^latency is significantly higher on the canary, beyond 1\.2× stable's: 2\d\.\d+% of canary requests slower than 100 ms against 8\.\d+% of stable's; the sequential test's evidence is [\d.e+]+, beyond the 100 needed \(99% anytime-valid\)$/,
    },
    { name: '+10 %: bounded within 1.2×', median: 55, outcome: 'bounded', reason: /^no latency regression beyond 1\.2× stable's/ },
    {
      name: '+18 % over 300 requests: within the tolerance, not yet bounded',
      median: 59,
      requests: 300,
      outcome: 'open',
      reason: /^latency not yet judged either way/,
    },
  ])('$name', ({ median, requests = 3_000, outcome, reason }) => {
    const evidence = addLatencyInterval(undefined, exact(requests, median), exact(requests * 9, 50), 1.2)!;
    expect(evidence.slowerThanMs).toBe(100);
    const weight = weighLatency(evidence, alpha, 1.2);
    expect(weight.outcome).toBe(outcome);
    expect(weight.reason).toMatch(reason);
    expect(weight.statistic).toMatchObject({ slowerThanMs: 100, evidenceNeeded: 100, maxLatencyRatio: 1.2 });
    expect(weight.statistic.toleratedSlowShare).toBeGreaterThan(weight.statistic.stableSlowShare);
  });

  it('property: watched after every interval, a canary as fast as stable is called slower at most α of the time', () => {
    const next = mulberry32(5);
    const a = 0.05;
    let regressions = 0;
    const runs = 300;
    for (let run = 0; run < runs; run++) {
      let evidence: LatencyEvidence | undefined;
      for (let interval = 0; interval < 20; interval++) {
        evidence = addLatencyInterval(evidence, histogram(next, 30, 50), histogram(next, 270, 50), 1);
        if (evidence && weighLatency(evidence, a, 1).outcome === 'regression') {
          regressions++;
          break;
        }
      }
    }
    expect(regressions / runs).toBeLessThanOrEqual(a);
  });

  it('property: a canary 50 % slower at 10 rps is found within 5 minutes (10 intervals) in at least 95 % of runs', () => {
    const next = mulberry32(9);
    let found = 0;
    const runs = 200;
    for (let run = 0; run < runs; run++) {
      let evidence: LatencyEvidence | undefined;
      for (let interval = 0; interval < 10; interval++) {
        evidence = addLatencyInterval(evidence, histogram(next, 300, 75), histogram(next, 2_700, 50), 1.2);
        if (weighLatency(evidence!, 0.001, 1.2).outcome === 'regression') {
          found++;
          break;
        }
      }
    }
    expect(found / runs).toBeGreaterThanOrEqual(0.95);
  });
});

describe('weighEvidence with latency', () => {
  const policy = AnalysisPolicy.parse({});
  const interval = (errors: number, median: number, requests = 3_000) =>
    addInterval(
      NO_EVIDENCE,
      { requests, errors, latency: exact(requests, median) },
      { requests: requests * 9, errors: 0, latency: exact(requests * 9, 50) },
      policy,
    );

  it('fails on a latency regression alone, saying so, and records both tests', () => {
    const weight = weighEvidence(policy, interval(0, 75));
    expect(weight.outcome).toBe('regression');
    expect(weight.reason).toMatch(/^latency is significantly higher on the canary/);
    expect(weight.statistic.latency).toMatchObject({ outcome: 'regression', slowerThanMs: 100, evidenceNeeded: 1000 });
    expect(weight.statistic.evidenceNeeded).toBeCloseTo(111.1, 1); // α split: 0.9 % errors, 0.1 % latency
  });

  it('records an overwhelming regression with figures DynamoDB accepts (the e-value capped at 1e15, below Number.MAX_SAFE_INTEGER)', () => {
    const evidence = addInterval(
      NO_EVIDENCE,
      { requests: 300_000, errors: 60_000, latency: exact(300_000, 150) },
      { requests: 2_700_000, errors: 2_700, latency: exact(2_700_000, 50) },
      policy,
    );
    const weight = weighEvidence(policy, evidence);
    expect(weight.outcome).toBe('regression');
    expect(weight.statistic.evidence).toBe(1e15);
    expect(weight.statistic.latency?.evidence).toBe(1e15);
    expect(
      JSON.stringify({ weight, evidence })
        .match(/[\d.]+(e[+-]?\d+)?/gi)!
        .every((n) => Math.abs(Number(n)) <= Number.MAX_SAFE_INTEGER),
    ).toBe(true);
    expect(JSON.parse(JSON.stringify({ weight, evidence }))).toEqual({ weight, evidence });
    expect(weight.reason).toMatch(/evidence of a regression is 1\.0e\+15/);
  });

  it('passes early only when errors and latency are both bounded', () => {
    expect(weighEvidence(policy, interval(0, 50)).outcome).toBe('bounded');
    const slowish = weighEvidence(policy, interval(0, 59, 2_000));
    expect(slowish.outcome).toBe('open');
    expect(slowish.reason).toMatch(/no error regression beyond the tolerance: .*; latency not yet judged either way/);
  });
});

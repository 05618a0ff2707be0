import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../lib/random.js';
import {
  betaPrior,
  confidenceInterval,
  lnGamma,
  logEvidence,
  NEW_REGRESSION_TEST,
  asRegressionTest,
  rateUpperBound,
  updateRegressionTest,
} from '../../../lib/rollout/sequential.js';
import { AnalysisPolicy } from '../../../lib/model/service-spec.js';
import { addInterval, NO_EVIDENCE, weighEvidence } from '../../../lib/rollout/weigh-evidence.js';

/** A Poisson draw (Knuth for small means, a normal approximation above 50). */
function poisson(next: () => number, mean: number): number {
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next())));
  let k = 0;
  let p = 1;
  const limit = Math.exp(-mean);
  for (;;) {
    p *= next();
    if (p <= limit) return k;
    k++;
  }
}

describe('lnGamma', () => {
  it.each([
    [1, 0],
    [2, 0],
    [5, Math.log(24)],
    [0.5, Math.log(Math.sqrt(Math.PI))],
    [101, 363.7393756], // ln(100!)
  ])('lnGamma(%d) = %d', (x, expected) => expect(lnGamma(x)).toBeCloseTo(expected, 4));
});

describe('confidence sequences', () => {
  it('contain the estimate and shrink as evidence grows', () => {
    const prior = betaPrior(0.1, 8);
    const small = confidenceInterval(3, 27, prior, 0.01);
    const large = confidenceInterval(300, 2_700, prior, 0.01);
    for (const ci of [small, large]) {
      expect(ci.lower).toBeLessThan(0.1);
      expect(ci.upper).toBeGreaterThan(0.1);
    }
    expect(large.upper - large.lower).toBeLessThan((small.upper - small.lower) / 4);
  });

  it('knows nothing without requests', () => {
    expect(rateUpperBound({ requests: 0, events: 0 }, 0.01, 0.01)).toBe(1);
    expect(updateRegressionTest(NEW_REGRESSION_TEST, { requests: 0, events: 0 }, { requests: 1_000, events: 10 })).toEqual(NEW_REGRESSION_TEST);
    expect(logEvidence(NEW_REGRESSION_TEST)).toBeCloseTo(0, 12);
  });

  it.each([
    // canary requests, errors; stable requests, errors, in one interval; ln e-value against ln(1/α) = 4.6
    { canary: [3_000, 60], stable: [27_000, 270], above: Math.log(100) }, // ×2 with 60 errors: a regression
    { canary: [3_000, 30], stable: [27_000, 270], below: 0 }, // ×1: evidence against a regression
    { canary: [300, 6], stable: [2_700, 27], below: Math.log(100) }, // ×2 with 6 errors: not yet
  ])('weighs $canary against $stable', ({ canary, stable, above, below }) => {
    const test = updateRegressionTest(NEW_REGRESSION_TEST, { requests: canary[0], events: canary[1] }, { requests: stable[0], events: stable[1] });
    if (above !== undefined) expect(logEvidence(test)).toBeGreaterThan(above);
    if (below !== undefined) expect(logEvidence(test)).toBeLessThan(below);
  });

  it('does not depend on how the evidence is cut into intervals when the traffic split stays the same', () => {
    const once = updateRegressionTest(NEW_REGRESSION_TEST, { requests: 600, events: 8 }, { requests: 5_400, events: 40 });
    let twice = updateRegressionTest(NEW_REGRESSION_TEST, { requests: 300, events: 5 }, { requests: 2_700, events: 15 });
    twice = updateRegressionTest(twice, { requests: 300, events: 3 }, { requests: 2_700, events: 25 });
    expect(logEvidence(twice)).toBeCloseTo(logEvidence(once), 9);
  });

  it('property: watched after every interval, a canary as good as stable is called a regression at most α of the time', () => {
    const next = mulberry32(7);
    const alpha = 0.05; // large enough that 400 runs would show a broken guarantee
    let regressions = 0;
    const runs = 400;
    for (let run = 0; run < runs; run++) {
      let test = NEW_REGRESSION_TEST;
      for (let interval = 0; interval < 30; interval++) {
        test = updateRegressionTest(test, { requests: 300, events: poisson(next, 3) }, { requests: 2_700, events: poisson(next, 27) });
        if (logEvidence(test) >= Math.log(1 / alpha)) {
          regressions++;
          break;
        }
      }
    }
    expect(regressions / runs).toBeLessThanOrEqual(alpha);
  });

  it('property: the guarantee holds when the null ratio (≥ 1) and the prior centre change between intervals', () => {
    const next = mulberry32(13);
    const alpha = 0.05;
    let regressions = 0;
    const runs = 400;
    for (let run = 0; run < runs; run++) {
      let test = NEW_REGRESSION_TEST;
      for (let interval = 0; interval < 30; interval++) {
        // Chosen before the interval's split is seen, as the latency test's tolerance is.
        const hypothesis = { nullRatio: 1 + next() * 0.5, centre: 1.2 + next() * 3 };
        test = updateRegressionTest(test, { requests: 300, events: poisson(next, 3) }, { requests: 2_700, events: poisson(next, 27) }, hypothesis);
        if (logEvidence(test) >= Math.log(1 / alpha)) {
          regressions++;
          break;
        }
      }
    }
    expect(regressions / runs).toBeLessThanOrEqual(alpha);
  });

  it('starts again from a test stored in an older shape', () => {
    expect(asRegressionTest([0.5, 1.2])).toEqual(NEW_REGRESSION_TEST);
    expect(asRegressionTest(undefined)).toEqual(NEW_REGRESSION_TEST);
    const test = updateRegressionTest(NEW_REGRESSION_TEST, { requests: 300, events: 9 }, { requests: 2_700, events: 27 });
    expect(asRegressionTest(JSON.parse(JSON.stringify(test)))).toEqual(test);
  });

  it('property: a doubled error rate is found within 30 intervals of 300 canary requests at 1 %', () => {
    const next = mulberry32(11);
    let found = 0;
    for (let run = 0; run < 200; run++) {
      let test = NEW_REGRESSION_TEST;
      for (let interval = 0; interval < 30 && logEvidence(test) < Math.log(100); interval++) {
        test = updateRegressionTest(test, { requests: 300, events: poisson(next, 6) }, { requests: 2_700, events: poisson(next, 27) });
      }
      if (logEvidence(test) >= Math.log(100)) found++;
    }
    expect(found / 200).toBeGreaterThan(0.9);
  });
});

describe('weighEvidence', () => {
  const policy = AnalysisPolicy.parse({});
  const evidence = (canary: [number, number], stable: [number, number]) =>
    addInterval(NO_EVIDENCE, { requests: canary[0], errors: canary[1] }, { requests: stable[0], errors: stable[1] });

  it.each([
    {
      name: '×2 errors over 3000 canary requests: a regression',
      canary: [3_000, 60],
      stable: [27_000, 270],
      outcome: 'regression',
      reason:
        /errors are significantly higher on the canary: canary 2% \(60 errors in 3000 requests\) against stable 1% \(270 errors in 27000 requests\); the sequential test's evidence of a regression is [\d.e+]+, beyond the 111.1 needed \(99% anytime-valid\)/,
    },
    {
      name: 'no errors over 3000 canary requests: bounded below stable + 0.5 %',
      canary: [3_000, 0],
      stable: [27_000, 0],
      outcome: 'bounded',
      reason: /no error regression beyond the tolerance: .* at most 0\.\d+%, within stable's \+ 0\.5% = 0\.5%/,
    },
    {
      name: '1 % on both over 300 canary requests: open',
      canary: [300, 3],
      stable: [2_700, 27],
      outcome: 'open',
      reason: /not yet enough evidence either way/,
    },
    { name: 'nothing observed: open', canary: [0, 0], stable: [0, 0], outcome: 'open', reason: /may be up to 100%/ },
  ] as { name: string; canary: [number, number]; stable: [number, number]; outcome: string; reason: RegExp }[])(
    '$name',
    ({ canary, stable, outcome, reason }) => {
      const weight = weighEvidence(policy, evidence(canary, stable));
      expect(weight.outcome).toBe(outcome);
      expect(weight.reason).toMatch(reason);
      expect(weight.statistic.alpha).toBe(0.01);
    },
  );

  it('adds intervals up', () => {
    const twice = addInterval(evidence([100, 1], [900, 2]), { requests: 50, errors: 0 }, { requests: 450, errors: 1 });
    expect(twice).toMatchObject({ canary: { requests: 150, errors: 1 }, stable: { requests: 1_350, errors: 3 } });
  });
});

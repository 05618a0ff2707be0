import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FAILURE_RATE_OPTIONS,
  decayFailureCounts,
  emptyFailureCounts,
  estimateFailureRate,
  failureSubject,
  observeFailures,
  tallyFailures,
} from '../../../lib/health/failure-rate.js';

const options = DEFAULT_FAILURE_RATE_OPTIONS; // prior: 1 crash in 1,000 pod-hours, 95% bound, 24 h horizon

describe('estimateFailureRate', () => {
  it('with no evidence returns the prior: mean 1/1000, upper = exponential 95% quantile', () => {
    const estimate = estimateFailureRate({ crashes: 0, podHours: 0 }, options);
    expect(estimate.mean).toBeCloseTo(0.001, 12);
    expect(estimate.upper).toBeCloseTo(-Math.log(0.05) / 1_000, 9);
    expect(estimate.risk).toBeCloseTo(1 - Math.exp(-estimate.upper * 24), 12);
  });

  it('worked example: 9 crashes in 200 pod-hours → posterior Gamma(10, 1200), mean 1/120', () => {
    const estimate = estimateFailureRate({ crashes: 9, podHours: 200 }, options);
    expect(estimate.mean).toBeCloseTo(10 / 1_200, 12);
    // 95% quantile of Gamma(10, 1) is 15.7052; divided by the rate 1200.
    expect(estimate.upper).toBeCloseTo(15.70522 / 1_200, 6);
  });

  it('rises with more crashes over the same exposure', () => {
    const risks = [0, 1, 3, 10, 30].map((crashes) => estimateFailureRate({ crashes, podHours: 500 }, options));
    for (let i = 1; i < risks.length; i++) {
      expect(risks[i].mean).toBeGreaterThan(risks[i - 1].mean);
      expect(risks[i].upper).toBeGreaterThan(risks[i - 1].upper);
      expect(risks[i].risk).toBeGreaterThan(risks[i - 1].risk);
    }
  });

  it('is dominated by the prior when evidence is thin: 1 crash in 1 pod-hour is not a rate of 1/h', () => {
    const estimate = estimateFailureRate({ crashes: 1, podHours: 1 }, options);
    expect(estimate.mean).toBeCloseTo(2 / 1_001, 9);
    expect(estimate.mean).toBeLessThan(0.01);
  });

  it('with much evidence approaches the observed rate and narrows the bound', () => {
    const estimate = estimateFailureRate({ crashes: 500, podHours: 100_000 }, options);
    expect(estimate.mean).toBeCloseTo(0.005, 4);
    expect(estimate.upper / estimate.mean).toBeLessThan(1.1);
  });

  it('keeps the risk score within 0..1', () => {
    for (const crashes of [0, 10, 1_000, 1e6]) {
      const { risk } = estimateFailureRate({ crashes, podHours: 10 }, options);
      expect(risk).toBeGreaterThanOrEqual(0);
      expect(risk).toBeLessThanOrEqual(1);
    }
  });

  it('refuses a prior without weight', () => {
    expect(() => estimateFailureRate({ crashes: 0, podHours: 0 }, { ...options, prior: { crashes: 0, podHours: 100 } })).toThrow(RangeError);
  });
});

describe('observeFailures / decayFailureCounts', () => {
  it('halves old evidence after one half-life before adding new', () => {
    let counts = emptyFailureCounts('2025-01-01T00:00:00Z');
    counts = observeFailures(counts, { crashes: 8, podHours: 100, at: '2025-01-01T00:00:00Z' }, 24);
    counts = observeFailures(counts, { crashes: 2, podHours: 10, at: '2025-01-02T00:00:00.000Z' }, 24);
    expect(counts).toEqual({ crashes: 6, podHours: 60, updatedAt: '2025-01-02T00:00:00.000Z' });
  });

  it('lets a node that stopped crashing recover toward the prior', () => {
    const bad = { crashes: 20, podHours: 100, updatedAt: '2025-01-01T00:00:00Z' };
    const weekLater = decayFailureCounts(bad, '2025-01-08T00:00:00Z', 24);
    expect(estimateFailureRate(weekLater).mean).toBeLessThan(estimateFailureRate(bad).mean / 5);
  });

  it('rejects negative observations', () => {
    expect(() => observeFailures(emptyFailureCounts('2025-01-01T00:00:00Z'), { crashes: -1, podHours: 1, at: '2025-01-01T00:00:00Z' }, 24)).toThrow(RangeError);
  });
});

describe('tallyFailures', () => {
  it('sums crashes and pod-hours per service, node and zone', () => {
    const tally = tallyFailures(
      [
        { service: 'cart', node: 'n1', zone: 'a', crashes: 3 },
        { service: 'cart', node: 'n2', zone: 'a', crashes: 0 },
        { service: 'search', node: 'n1', zone: 'a', crashes: 1 },
        { service: 'search', crashes: 0 },
      ],
      0.5,
    );
    expect(tally.get(failureSubject.service('cart'))).toEqual({ crashes: 3, podHours: 1 });
    expect(tally.get(failureSubject.node('n1'))).toEqual({ crashes: 4, podHours: 1 });
    expect(tally.get(failureSubject.zone('a'))).toEqual({ crashes: 4, podHours: 1.5 });
    expect(tally.get(failureSubject.service('search'))).toEqual({ crashes: 1, podHours: 1 });
  });
});

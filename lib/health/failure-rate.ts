import { gammaQuantile } from './gamma.js';

/**
 * Bayesian crash-rate estimate per service, node or zone: crashes are Poisson with rate λ per
 * pod-hour; a Gamma(prior.crashes, prior.podHours) prior gives a Gamma(prior.crashes + crashes,
 * prior.podHours + podHours) posterior. The prior reads as "as if we had already seen
 * `prior.crashes` crashes in `prior.podHours` pod-hours", so with no data the prior dominates and a
 * handful of crashes on a node that ran few pods does not make it look catastrophic.
 *
 * Evidence fades with a half-life, so a node that crashed pods last week but is healthy now recovers.
 */
export interface FailureRatePrior {
  /** Pseudo-count of crashes (Gamma shape), > 0. */
  crashes: number;
  /** Pseudo-exposure in pod-hours (Gamma rate), > 0. */
  podHours: number;
}

/** One crash per 1,000 pod-hours (~ one per 6 pod-weeks), weighted as 1,000 pod-hours of evidence. */
export const DEFAULT_FAILURE_PRIOR: FailureRatePrior = { crashes: 1, podHours: 1_000 };

/** Decayed evidence for one subject (a service, a node or a zone). Plain data, JSON-serializable. */
export interface FailureCounts {
  crashes: number;
  podHours: number;
  /** ISO time the counts were last decayed to. */
  updatedAt: string;
}

export interface FailureRateOptions {
  prior: FailureRatePrior;
  /** Level of the upper credible bound, e.g. 0.95. */
  credibleLevel: number;
  /** Hours over which the risk score is the probability of at least one crash of a pod. */
  riskHorizonHours: number;
}

export const DEFAULT_FAILURE_RATE_OPTIONS: FailureRateOptions = { prior: DEFAULT_FAILURE_PRIOR, credibleLevel: 0.95, riskHorizonHours: 24 };

export interface FailureRateEstimate {
  /** Posterior mean crashes per pod-hour. */
  mean: number;
  /** Upper credible bound of crashes per pod-hour at `credibleLevel`. */
  upper: number;
  /**
   * 0..1: probability that one pod crashes at least once within the risk horizon, at the upper
   * bound rate (1 − e^(−upper·horizon)). Pessimistic on purpose: little evidence means more risk.
   */
  risk: number;
  /** Evidence behind the estimate (after decay). */
  crashes: number;
  podHours: number;
}

export function emptyFailureCounts(at: string): FailureCounts {
  return { crashes: 0, podHours: 0, updatedAt: at };
}

/** Evidence decayed to `at` with the given half-life. Times before `updatedAt` leave counts unchanged. */
export function decayFailureCounts(counts: FailureCounts, at: string, halfLifeHours: number): FailureCounts {
  const elapsedHours = (Date.parse(at) - Date.parse(counts.updatedAt)) / 3_600_000;
  if (!(elapsedHours > 0)) return counts;
  const keep = Math.pow(0.5, elapsedHours / halfLifeHours);
  return { crashes: counts.crashes * keep, podHours: counts.podHours * keep, updatedAt: at };
}

/** Adds an observation (crashes seen over some pod-hours of exposure) after decaying older evidence. */
export function observeFailures(
  counts: FailureCounts,
  observation: { crashes: number; podHours: number; at: string },
  halfLifeHours: number,
): FailureCounts {
  if (observation.crashes < 0 || observation.podHours < 0) throw new RangeError('crashes and pod-hours must not be negative');
  const decayed = decayFailureCounts(counts, observation.at, halfLifeHours);
  return { crashes: decayed.crashes + observation.crashes, podHours: decayed.podHours + observation.podHours, updatedAt: decayed.updatedAt };
}

/** Posterior mean, upper credible bound and risk score for the evidence in `counts`. */
export function estimateFailureRate(counts: Pick<FailureCounts, 'crashes' | 'podHours'>, options: FailureRateOptions = DEFAULT_FAILURE_RATE_OPTIONS): FailureRateEstimate {
  const { prior, credibleLevel, riskHorizonHours } = options;
  if (!(prior.crashes > 0 && prior.podHours > 0)) throw new RangeError('prior crashes and pod-hours must be positive');
  const shape = prior.crashes + counts.crashes;
  const rate = prior.podHours + counts.podHours;
  const upper = gammaQuantile(shape, rate, credibleLevel);
  return {
    mean: shape / rate,
    upper,
    risk: 1 - Math.exp(-upper * riskHorizonHours),
    crashes: counts.crashes,
    podHours: counts.podHours,
  };
}

/** A pod's crashes over an observation interval, with where it ran. */
export interface PodFailureSample {
  service: string;
  node?: string;
  zone?: string;
  crashes: number;
}

/** Keys under which {@link tallyFailures} groups evidence. */
export const failureSubject = {
  service: (name: string) => `service:${name}`,
  node: (name: string) => `node:${name}`,
  zone: (name: string) => `zone:${name}`,
} as const;

/**
 * Sums crashes and exposure over one interval per service, node and zone: each pod contributes
 * `intervalHours` of exposure to each subject it belongs to.
 */
export function tallyFailures(pods: readonly PodFailureSample[], intervalHours: number): Map<string, { crashes: number; podHours: number }> {
  const tally = new Map<string, { crashes: number; podHours: number }>();
  const add = (key: string, crashes: number) => {
    const entry = tally.get(key) ?? { crashes: 0, podHours: 0 };
    entry.crashes += crashes;
    entry.podHours += intervalHours;
    tally.set(key, entry);
  };
  for (const pod of pods) {
    add(failureSubject.service(pod.service), pod.crashes);
    if (pod.node) add(failureSubject.node(pod.node), pod.crashes);
    if (pod.zone) add(failureSubject.zone(pod.zone), pod.crashes);
  }
  return tally;
}

/**
 * The health probe's signals for one service at one run. Pure: an ALARM for each finding (again on every
 * run while it lasts: that is what confirms it) and an OK for each condition reported last time that has
 * cleared.
 */
import type { ServiceRecord } from '../model/records.js';
import { findingKey, type Finding } from './find-problems.js';
import type { HealthSignal, SignalKind, SignalTrack } from './health-signal.js';

export interface ProbeSignals {
  signals: HealthSignal[];
  /** What is alarming now (condition key → signal id), the probe's memory for the next run. */
  alarming: Record<string, string>;
  /** How many conditions reported last time have cleared. */
  recovered: number;
}

/** @param previouslyAlarming what the last run reported (condition key → signal id) */
export function buildProbeSignals(
  service: Pick<ServiceRecord, 'name' | 'spec'>,
  findings: Finding[],
  previouslyAlarming: Record<string, string>,
  at: string,
): ProbeSignals {
  const alarming: Record<string, string> = {};
  const signals: HealthSignal[] = [];
  const common = { source: 'probe' as const, service: service.name, namespace: service.spec.namespace, observedAt: at };
  for (const f of findings) {
    const key = findingKey(service.name, f);
    const signal: HealthSignal = {
      ...common,
      id: `probe:${key}:${at}`,
      kind: f.kind,
      state: 'ALARM',
      track: f.track,
      node: f.node,
      value: f.value,
      threshold: f.threshold,
      reason: f.reason,
    };
    alarming[key] = signal.id;
    signals.push(signal);
  }
  let recovered = 0;
  for (const key of Object.keys(previouslyAlarming)) {
    if (alarming[key]) continue;
    const [, kind, track, node] = key.split('/');
    signals.push({
      ...common,
      id: `probe:${key}:ok:${at}`,
      kind: kind as SignalKind,
      state: 'OK',
      track: track as SignalTrack,
      node,
      reason: 'the condition has cleared',
    });
    recovered++;
  }
  return { signals, alarming, recovered };
}

import { signalKey, type HealthSignal } from './health-signal.js';

/** What the recent history of one condition (service, kind, track) says about a signal. */
export interface SignalHistory {
  /** A later signal for the same condition says OK. */
  recoveredAt?: string;
  /** ALARM signals in a row, up to and including this one, since the last OK. */
  consecutiveAlarms: number;
  /** When the current ALARM streak began. */
  alarmingSince?: string;
  /** ALARM↔OK changes within the flapping window before `now`. */
  transitions: number;
}

/**
 * Reads the history of the signal's condition from `recent` (any order, duplicates allowed, the
 * signal itself may or may not be included). Only signals observed at or before `now` count.
 */
export function assessSignalHistory(signal: HealthSignal, recent: readonly HealthSignal[], now: string, flappingWindowSeconds: number): SignalHistory {
  const key = signalKey(signal);
  const nowMs = Date.parse(now);
  const byId = new Map<string, HealthSignal>();
  for (const s of [...recent, signal]) if (signalKey(s) === key && Date.parse(s.observedAt) <= nowMs) byId.set(s.id, s);
  const timeline = [...byId.values()].sort((a, b) => Date.parse(a.observedAt) - Date.parse(b.observedAt) || a.id.localeCompare(b.id));

  const signalMs = Date.parse(signal.observedAt);
  const laterOk = timeline.find((s) => s.state === 'OK' && Date.parse(s.observedAt) > signalMs);

  let consecutiveAlarms = 0;
  let alarmingSince: string | undefined;
  for (const s of timeline) {
    if (Date.parse(s.observedAt) > signalMs) break;
    if (s.state === 'OK') {
      consecutiveAlarms = 0;
      alarmingSince = undefined;
    } else {
      consecutiveAlarms += 1;
      alarmingSince ??= s.observedAt;
    }
  }

  const windowStart = nowMs - flappingWindowSeconds * 1_000;
  let transitions = 0;
  let previous: HealthSignal | undefined;
  for (const s of timeline) {
    if (previous !== undefined && previous.state !== s.state && Date.parse(s.observedAt) >= windowStart) transitions += 1;
    previous = s;
  }

  return { ...(laterOk ? { recoveredAt: laterOk.observedAt } : {}), consecutiveAlarms, ...(alarmingSince ? { alarmingSince } : {}), transitions };
}

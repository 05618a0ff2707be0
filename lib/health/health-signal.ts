import * as z from 'zod';
import { dns1123Label } from '../model/names.js';

/** Where a health signal came from. */
export const SIGNAL_SOURCES = ['cloudwatch', 'probe', 'api'] as const;
export type SignalSource = (typeof SIGNAL_SOURCES)[number];

/**
 * What a signal says is wrong. `pending` means pods that cannot be scheduled or never become ready;
 * `saturation` means the workload is out of capacity (CPU, connections); `custom` is anything else.
 */
export const SIGNAL_KINDS = ['errorRate', 'latency', 'crashLoop', 'unavailable', 'pending', 'nodeNotReady', 'saturation', 'custom'] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

/** The traffic track a signal is about; absent means the whole service (usually the stable track). */
export const SIGNAL_TRACKS = ['stable', 'canary'] as const;
export type SignalTrack = (typeof SIGNAL_TRACKS)[number];

/**
 * One normalized health observation about one service: what every source (CloudWatch alarms, the
 * health probe, `POST /v1/alarms`) is turned into before the remediation policy looks at it.
 * `id` is stable for a given observation, so a redelivered alarm carries the same id and is ignored.
 */
export const HealthSignal = z.object({
  id: z.string().min(1).max(512),
  source: z.enum(SIGNAL_SOURCES),
  service: dns1123Label,
  namespace: dns1123Label.optional(),
  kind: z.enum(SIGNAL_KINDS),
  state: z.enum(['ALARM', 'OK']),
  track: z.enum(SIGNAL_TRACKS).optional(),
  node: z.string().min(1).max(253).optional(),
  zone: z.string().min(1).max(64).optional(),
  value: z.number().finite().optional().describe('Observed value that caused the state, when known'),
  threshold: z.number().finite().optional().describe('Threshold the value was compared with, when known'),
  observedAt: z.iso.datetime({ offset: true }),
  reason: z.string().max(2_048),
});
export type HealthSignal = z.infer<typeof HealthSignal>;

/**
 * Signals that describe the same condition share a key: a later signal with the same key supersedes
 * an earlier one (an OK after an ALARM means the condition cleared).
 */
export function signalKey(signal: Pick<HealthSignal, 'service' | 'kind' | 'track'>): string {
  return `${signal.service}/${signal.kind}/${signal.track ?? 'stable'}`;
}

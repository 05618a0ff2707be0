import type { HealthSignal } from '../../health/health-signal.js';
import { SCHEMA_VERSION, type EventEnvelope } from '../../model/events.js';
import type { CoreDeps } from '../deps.js';
import type { DeferredSignal } from './health-deps.js';
import { envelopeIdFor } from './submit-signal.js';

/**
 * Sends the probe's signals of one service through the health queue, like CloudWatch alarms arrive, and
 * re-sends the deferred signals of one-shot sources whose `retryAfter` has come (see
 * ServiceHealthMemory.deferred) under a new deduplication id: the signal id stays, so the ledger still
 * decides each signal once.
 */
export async function sendProbeSignals(
  deps: Pick<CoreDeps, 'queue'>,
  service: string,
  signals: HealthSignal[],
  deferred: Record<string, DeferredSignal> | undefined,
  now: Date,
): Promise<void> {
  const at = now.toISOString();
  const envelope = (id: string, signal: HealthSignal): EventEnvelope => ({
    id,
    type: 'health.alarm',
    service,
    occurredAt: at,
    correlationId: signal.id,
    schemaVersion: SCHEMA_VERSION,
    payload: { signal },
  });
  for (const signal of signals) await deps.queue.send(envelope(envelopeIdFor(signal.id), signal));
  for (const { signal } of Object.values(deferred ?? {}).filter((d) => Date.parse(d.retryAfter) <= now.getTime()))
    await deps.queue.send(envelope(envelopeIdFor(`${signal.id}:redelivered:${at}`), signal));
}

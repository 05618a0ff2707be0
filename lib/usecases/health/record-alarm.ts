import type { EventEnvelope } from '../../model/events.js';
import type { CoreDeps } from '../deps.js';

export type RecordAlarmOutcome = { outcome: 'recorded' } | { outcome: 'dropped'; reason: string };

/**
 * Records a health alarm in the service's audit trail. An alarm for a service meshplane does not know
 * is recorded with the reason and dropped: retrying it would never succeed.
 */
export async function recordAlarm(deps: CoreDeps, event: EventEnvelope): Promise<RecordAlarmOutcome> {
  const now = deps.clock.now();
  const service = await deps.store.getService(event.service);
  const known = service !== undefined && service.phase !== 'deleted';
  const reason = known ? undefined : `service "${event.service}" is not registered`;
  await deps.store.appendEvents([
    {
      service: event.service,
      // The event id keys the audit entry, so a duplicated alarm overwrites its own record.
      id: event.id,
      at: event.occurredAt,
      type: known ? 'HealthAlarm' : 'HealthAlarmDropped',
      message: known ? `alarm: ${String(event.payload.reason ?? event.payload.kind ?? 'unspecified')}` : `alarm dropped: ${reason}`,
      data: { ...event.payload, receivedAt: now.toISOString() },
    },
  ]);
  return known ? { outcome: 'recorded' } : { outcome: 'dropped', reason: reason! };
}

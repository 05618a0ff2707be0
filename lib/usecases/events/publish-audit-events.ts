import { countersOf } from '../../observability/audit-metrics.js';
import type { AuditEvent } from '../../model/records.js';
import type { AuditEventSink } from '../../ports/audit-event-sink.js';
import type { Telemetry } from '../../ports/telemetry.js';

export interface PublishAuditEventsDeps {
  sink: AuditEventSink;
  telemetry: Telemetry;
}

/**
 * Publishes committed audit events (from the table's change stream) for subscribers, and counts what
 * they stand for. Counted only after the publish succeeded: a batch that fails is delivered again by the
 * stream, and counting first would count it twice.
 */
export async function publishAuditEvents(deps: PublishAuditEventsDeps, events: readonly AuditEvent[]): Promise<{ published: number }> {
  if (events.length === 0) return { published: 0 };
  await deps.sink.publish(events);
  for (const event of events) for (const counter of countersOf(event)) deps.telemetry.count(counter);
  return { published: events.length };
}

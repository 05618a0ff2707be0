import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { TransientError } from '../../errors.js';
import type { AuditEvent } from '../../model/records.js';
import type { AuditEventSink } from '../../ports/audit-event-sink.js';

/** `source` of every meshplane event on the bus; `detail-type` is the audit event's type (e.g. `RolloutRolledBack`). */
export const EVENT_SOURCE = 'meshplane';
/** PutEvents takes at most 10 entries per call. */
const ENTRIES_PER_CALL = 10;
/** Entries that failed (throttling, internal errors) are sent again this many times before the batch fails. */
const ATTEMPTS = 3;

/** The EventBridge entry of one audit event: detail = the audit event as the API's events route shows it. */
export function eventEntry(busName: string, event: AuditEvent): PutEventsRequestEntry {
  return {
    EventBusName: busName,
    Source: EVENT_SOURCE,
    DetailType: event.type,
    Time: new Date(event.at),
    Detail: JSON.stringify(event),
  };
}

/** Publishes audit events to an EventBridge bus (at least once: a failed batch is retried by the stream). */
export class EventBridgeEventSink implements AuditEventSink {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(events: readonly AuditEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += ENTRIES_PER_CALL) {
      let pending = events.slice(i, i + ENTRIES_PER_CALL).map((e) => eventEntry(this.busName, e));
      for (let attempt = 1; pending.length > 0; attempt++) {
        const res = await this.client.send(new PutEventsCommand({ Entries: pending }));
        const failed = pending.filter((_, k) => res.Entries?.[k]?.ErrorCode);
        if (failed.length === 0) break;
        if (attempt >= ATTEMPTS) {
          const codes = [...new Set(res.Entries?.flatMap((e) => (e.ErrorCode ? [e.ErrorCode] : [])))].join(', ');
          throw new TransientError(`EventBridge refused ${failed.length} of the audit events after ${ATTEMPTS} attempts (${codes})`);
        }
        pending = failed;
      }
    }
  }
}

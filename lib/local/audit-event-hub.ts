import type { AuditEvent } from '../model/records.js';
import type { AuditEventSink } from '../ports/audit-event-sink.js';

/** How many recent events the hub keeps for subscribers that (re)connect with a `Last-Event-ID`. */
const KEPT = 1_000;

/**
 * The local runtime's event bus: audit events published by the publish-events handler (fed by the
 * emulated table stream) fan out to subscribers, e.g. `GET /v1/events/stream` and the dashboard. It keeps
 * the last {@link KEPT} so a subscriber that reconnects gets what it missed.
 */
export class AuditEventHub implements AuditEventSink {
  private readonly recent: AuditEvent[] = [];
  private readonly listeners = new Set<(event: AuditEvent) => void>();

  async publish(events: readonly AuditEvent[]): Promise<void> {
    for (const event of events) {
      this.recent.push(event);
      if (this.recent.length > KEPT) this.recent.shift();
      for (const listener of this.listeners) listener(event);
    }
  }

  /** Calls `listener` with every event published from now on; returns the unsubscribe. */
  subscribe(listener: (event: AuditEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The kept events after the one with id `afterId` (all kept ones when it is unknown or absent). */
  since(afterId?: string): AuditEvent[] {
    const at = afterId ? this.recent.findIndex((e) => e.id === afterId) : -1;
    return this.recent.slice(at + 1);
  }
}

import type { AuditEvent } from '../model/records.js';

/** An audit event as the local stream sends it: numbered in the order this process saw it committed. */
export interface FedEvent {
  seq: number;
  event: AuditEvent;
}

/**
 * The committed audit events of this process, fanned out to `GET /v1/events/stream` subscribers, with
 * the last `keep` of them held so a client that reconnects (`Last-Event-ID`) gets what it missed.
 * Sequence numbers start over with the process; a client that sees a gap (or an id from before a
 * restart) re-reads what it shows from the API.
 */
export class AuditEventFeed {
  private seq = 0;
  private readonly recent: FedEvent[] = [];
  private readonly subscribers = new Set<(fed: FedEvent) => void>();

  constructor(private readonly keep = 1_000) {}

  publish(events: AuditEvent[]): void {
    for (const event of events) {
      const fed = { seq: ++this.seq, event };
      this.recent.push(fed);
      if (this.recent.length > this.keep) this.recent.shift();
      for (const subscriber of this.subscribers) subscriber(fed);
    }
  }

  /** Events after `seq` still held; `complete` is false when some were already dropped (or `seq` is from another process). */
  since(seq: number): { events: FedEvent[]; complete: boolean } {
    if (seq > this.seq) return { events: [...this.recent], complete: false };
    const events = this.recent.filter((f) => f.seq > seq);
    const oldest = this.recent[0]?.seq ?? this.seq + 1;
    return { events, complete: seq >= oldest - 1 };
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** Returns the unsubscribe function. */
  subscribe(subscriber: (fed: FedEvent) => void): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }
}

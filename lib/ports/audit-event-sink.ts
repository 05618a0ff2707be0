import type { AuditEvent } from '../model/records.js';

/**
 * Where committed audit events go for others to subscribe to: an EventBridge bus on AWS, the local
 * event stream (server-sent events) on one machine. Delivery is at least once: subscribers dedupe on
 * the event's `id`.
 */
export interface AuditEventSink {
  publish(events: readonly AuditEvent[]): Promise<void>;
}

import type { AuditEvent, Page, PageRequest } from '../model/records.js';

/** What happened to each service, for people; kept for a retention period. */
export interface AuditLog {
  appendEvents(events: AuditEvent[]): Promise<void>;
  /** Newest first. */
  listEvents(service: string, page: PageRequest): Promise<Page<AuditEvent>>;
}

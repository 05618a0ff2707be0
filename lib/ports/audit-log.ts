import type { AuditEvent, Page, PageRequest } from '../model/records.js';

/** What happened to each service, for people; kept for a retention period. */
export interface AuditLog {
  appendEvents(events: AuditEvent[]): Promise<void>;
  /**
   * Events that each stand alone (e.g. the decisions of a batch of signals), written without a
   * transaction, in batches: cheaper than appendEvents, but a failure may leave some of them written.
   * Writing the same events again overwrites them (an event's key is its own), so a retry duplicates none.
   */
  recordEvents(events: AuditEvent[]): Promise<void>;
  /** Newest first. */
  listEvents(service: string, page: PageRequest): Promise<Page<AuditEvent>>;
}

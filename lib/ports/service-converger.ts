import type { ServiceRecord } from '../model/records.js';

/** Makes a cluster match a service record (apply and prune, or delete when the record is a tombstone). */
export interface ServiceConverger {
  converge(record: ServiceRecord, previous: ServiceRecord | undefined): Promise<void>;
}

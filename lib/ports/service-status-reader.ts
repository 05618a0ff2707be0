import type { ServiceStatus } from '../model/observed-status.js';
import type { ServiceRecord } from '../model/records.js';

/** Reads what a service's workloads look like in its cluster now (for the API's service view). */
export interface ServiceStatusReader {
  read(record: ServiceRecord): Promise<ServiceStatus | { error: string }>;
}

import type { ServiceRecord } from '../model/records.js';

/** Makes a service's clusters match its record (apply and prune, or delete when the record is a tombstone). */
export interface ServiceConverger {
  converge(record: ServiceRecord, previous: ServiceRecord | undefined, options?: ConvergeOptions): Promise<void>;
  /**
   * True when converging makes the clusters match whatever record is stored when the convergence runs (a
   * queued request to converge the service, see convergeLater), not the record passed: then a change
   * committed meanwhile needs no second converge from the writer that committed before it.
   */
  readonly levelBased?: boolean;
}

export interface ConvergeOptions {
  /**
   * Only these clusters (ids): a change that renders the same everywhere else (one wave's traffic) leaves
   * the other clusters alone, and an unreachable cluster of a later wave does not hold it up. All when absent.
   */
  clusters?: readonly string[];
}

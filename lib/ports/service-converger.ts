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
  /**
   * Only objects of these kinds (e.g. `Deployment`): for a change that renders differently only there,
   * such as a restart, which changes the pod template's annotation and nothing else. Nothing is pruned
   * and no neighbour is touched. What drifted elsewhere is the reconcile's to repair (see
   * reconcile-service.ts); a change committed meanwhile asks for its own full converge. All kinds when absent.
   */
  kinds?: readonly ConvergeKind[];
}

/** The kinds a scoped converge may name. */
export const CONVERGE_KINDS = ['Deployment'] as const;
export type ConvergeKind = (typeof CONVERGE_KINDS)[number];

import type { Page, PageRequest } from '../model/records.js';
import type { ReleaseRecord } from '../model/release.js';
import type { OperationOutcome } from './operation-store.js';

/** Release trains, each in a partition of its own, listed newest first. */
export interface ReleaseStore {
  /**
   * Creates (expectedVersion null) or updates a release conditionally (else VersionConflictError), with
   * the outcome of the operation that requested it in the same write.
   */
  putRelease(release: ReleaseRecord, expectedVersion: number | null, operation?: OperationOutcome): Promise<void>;
  getRelease(id: string): Promise<ReleaseRecord | undefined>;
  /** Newest first. */
  listReleases(page: PageRequest): Promise<Page<ReleaseRecord>>;
  /** Every release that has not ended (pending, running, stopping), for the reconcile. */
  listUnendedReleases(): Promise<ReleaseRecord[]>;
}

import type { Page, PageRequest, RevisionRecord } from '../model/records.js';

/** A service's past specs, one per accepted change (written by ServiceStore.commitServiceChange). */
export interface RevisionStore {
  getRevision(service: string, revision: number): Promise<RevisionRecord | undefined>;
  /** Many revisions in one read (a batch), in no particular order; those not stored are left out. */
  getRevisions(refs: { service: string; revision: number }[]): Promise<RevisionRecord[]>;
  /** Newest first. */
  listRevisions(service: string, page: PageRequest): Promise<Page<RevisionRecord>>;
}

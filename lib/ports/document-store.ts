import type { Page, PageRequest } from '../model/records.js';

/** A small piece of state a use case keeps between runs (remediation ledger, probe memory, plans, leases). */
export interface StoredDocument<T> {
  value: T;
  version: number;
}

/** One conditional put of {@link DocumentStore.putDocuments}. */
export interface DocumentWrite {
  kind: string;
  id: string;
  value: unknown;
  /** null: the document must not exist yet. */
  expectedVersion: number | null;
  ttlSeconds?: number;
}

/** Versioned documents by kind and id. */
export interface DocumentStore {
  /** `kind` and `id` name the document, e.g. ('health', 'user-service'). */
  getDocument<T>(kind: string, id: string): Promise<StoredDocument<T> | undefined>;
  /** Many documents in one read (a batch), answered in the order of `refs`; undefined where none is stored. */
  getDocuments<T>(refs: readonly (readonly [kind: string, id: string])[]): Promise<(StoredDocument<T> | undefined)[]>;
  /**
   * Conditional on `expectedVersion` (null: must not exist), else VersionConflictError; returns the new version.
   * With `listedAt` (an ISO time) the document is also in its kind's listing, where {@link listDocuments} finds it.
   */
  putDocument<T>(kind: string, id: string, value: T, expectedVersion: number | null, ttlSeconds?: number, listedAt?: string): Promise<number>;
  /** The documents of `kind` that were put with `listedAt`, newest `listedAt` first (eventually consistent). */
  listDocuments<T>(kind: string, page: PageRequest): Promise<Page<T>>;
}

/** Documents written together (the remediation ledger's global document and its service shards). */
export interface DocumentTransactions {
  /**
   * Several conditional puts (as {@link DocumentStore.putDocument}, at most 100), all or none:
   * VersionConflictError when any document is not at its expected version, and then nothing is written.
   * Returns the new versions.
   */
  putDocuments(writes: readonly DocumentWrite[]): Promise<number[]>;
}

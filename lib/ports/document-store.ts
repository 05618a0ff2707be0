/** A small piece of state a use case keeps between runs (remediation ledger, probe memory, plans, leases). */
export interface StoredDocument<T> {
  value: T;
  version: number;
}

/** Versioned documents by kind and id. */
export interface DocumentStore {
  /** `kind` and `id` name the document, e.g. ('health', 'user-service'). */
  getDocument<T>(kind: string, id: string): Promise<StoredDocument<T> | undefined>;
  /** Many documents in one read (a batch), answered in the order of `refs`; undefined where none is stored. */
  getDocuments<T>(refs: readonly (readonly [kind: string, id: string])[]): Promise<(StoredDocument<T> | undefined)[]>;
  /** Conditional on `expectedVersion` (null: must not exist), else VersionConflictError; returns the new version. */
  putDocument<T>(kind: string, id: string, value: T, expectedVersion: number | null, ttlSeconds?: number): Promise<number>;
}

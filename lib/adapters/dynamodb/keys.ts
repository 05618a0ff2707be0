/** Item keys of the single table, shaped by access pattern. Per-service partitions: no hot key. */
export const keys = {
  service: (name: string) => ({ pk: `SVC#${name}`, sk: 'SPEC' }),
  revision: (name: string, revision: number) => ({ pk: `SVC#${name}`, sk: `REV#${String(revision).padStart(10, '0')}` }),
  revisionPrefix: 'REV#',
  event: (name: string, at: string, id: string) => ({ pk: `SVC#${name}`, sk: `EVT#${at}#${id}` }),
  eventPrefix: 'EVT#',
  /** In the callee's partition: its callers are one query. */
  caller: (callee: string, caller: string) => ({ pk: `SVC#${callee}`, sk: `CALLER#${caller}` }),
  callerPrefix: 'CALLER#',
  deployment: (name: string, id: string) => ({ pk: `SVC#${name}`, sk: `DEPLOY#${id}` }),
  deploymentPrefix: 'DEPLOY#',
  operation: (id: string) => ({ pk: `OP#${id}`, sk: 'OP' }),
  cluster: (id: string) => ({ pk: `CLUSTER#${id}`, sk: 'META' }),
  document: (kind: string, id: string) => ({ pk: `DOC#${kind}#${id}`, sk: 'DOC' }),
  release: (id: string) => ({ pk: `REL#${id}`, sk: 'REL' }),
  servicePartition: (name: string) => `SVC#${name}`,
} as const;

/** Partition values of the listing index. */
export const listing = {
  services: 'SERVICE',
  clusters: 'CLUSTER',
  /** Release trains, sorted by `${createdAt}#${id}`. */
  releases: 'RELEASE',
  /**
   * Pending operations with a deadline, sorted by `${deadline}#${id}`: sparse, since completing an
   * operation removes it from the index, so the sweep reads only what is still pending.
   */
  pendingOperations: 'OPS#PENDING',
  /** Documents put with a listing time (optimizer runs), by kind, sorted by `${listedAt}#${id}`. */
  documents: (kind: string) => `DOCS#${kind}`,
} as const;

export const RETENTION_SECONDS = {
  operation: 30 * 86_400,
  event: 90 * 86_400,
} as const;

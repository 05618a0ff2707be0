import type { Page, PageRequest, RevisionRecord } from '../../model/records.js';
import type { RevisionStore } from '../../ports/revision-store.js';
import { keys } from './keys.js';
import type { DynamoTable } from './table.js';

/** Revisions in their service's partition, sorted by number (written by DynamoDbServiceStore.commitServiceChange). */
export class DynamoDbRevisionStore implements RevisionStore {
  constructor(private readonly table: DynamoTable) {}

  async getRevision(service: string, revision: number): Promise<RevisionRecord | undefined> {
    return this.table.get<RevisionRecord>(keys.revision(service, revision));
  }

  async getRevisions(refs: { service: string; revision: number }[]): Promise<RevisionRecord[]> {
    const unique = [...new Map(refs.map((r) => [`${r.service}#${r.revision}`, keys.revision(r.service, r.revision)])).values()];
    return unique.length ? this.table.getMany<RevisionRecord>(unique, 'revisions') : [];
  }

  async listRevisions(service: string, page: PageRequest): Promise<Page<RevisionRecord>> {
    return this.table.queryPartition<RevisionRecord>(keys.servicePartition(service), keys.revisionPrefix, page, false);
  }
}

import { NotFoundError } from '../../errors.js';
import type { Page, PageRequest } from '../../model/records.js';
import type { ReleaseRecord } from '../../model/release.js';
import type { ReleaseStore } from '../../ports/release-store.js';

/** A release as the API shows it: its record (plan levels, items with their deployments and status). */
export async function getRelease(store: ReleaseStore, id: string): Promise<ReleaseRecord> {
  const release = await store.getRelease(id);
  if (!release) throw new NotFoundError(`no release "${id}"`);
  return release;
}

export async function listReleases(store: ReleaseStore, page: PageRequest): Promise<Page<ReleaseRecord>> {
  return store.listReleases(page);
}

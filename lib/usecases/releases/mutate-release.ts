import { NotFoundError, TransientError, VersionConflictError } from '../../errors.js';
import type { ReleaseRecord } from '../../model/release.js';
import type { ReleaseStore } from '../../ports/release-store.js';
import type { CoreDeps } from '../deps.js';

const ATTEMPTS = 5;

/** Read-modify-write of a release with optimistic concurrency; `mutate` returns undefined for no change. */
export async function mutateRelease(
  deps: CoreDeps<ReleaseStore>,
  id: string,
  mutate: (current: ReleaseRecord) => ReleaseRecord | undefined,
): Promise<ReleaseRecord> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await deps.store.getRelease(id);
    if (!current) throw new NotFoundError(`no release "${id}"`);
    const next = mutate(current);
    if (!next) return current;
    const record = { ...next, version: current.version + 1, updatedAt: deps.clock.now().toISOString() };
    try {
      await deps.store.putRelease(record, current.version);
      return record;
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
    }
  }
  throw new TransientError(`release ${id} kept changing; will retry`);
}

/** The release, or NotFoundError. */
export async function loadRelease(deps: CoreDeps<ReleaseStore>, id: string): Promise<ReleaseRecord> {
  const release = await deps.store.getRelease(id);
  if (!release) throw new NotFoundError(`no release "${id}"`);
  return release;
}

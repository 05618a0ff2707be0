import { ConflictError } from '../../errors.js';
import { RELEASE_ENDED, type ReleaseRecord } from '../../model/release.js';
import type { ReleaseStore } from '../../ports/release-store.js';
import type { CoreDeps } from '../deps.js';
import { loadRelease, mutateRelease } from './mutate-release.js';

/**
 * Records a person's abort on the release (`POST /v1/releases/{id}/abort`): its execution reads it at its
 * next look, stops the train and winds it down as onFailure says (running items aborted; with
 * rollbackAll, released ones rolled back). 409 once the release has ended.
 */
export async function abortRelease(deps: CoreDeps<ReleaseStore>, id: string): Promise<ReleaseRecord> {
  const existing = await loadRelease(deps, id);
  if (RELEASE_ENDED.has(existing.status)) throw new ConflictError(`release ${id} has ended (${existing.status}); nothing to abort`);
  return mutateRelease(deps, id, (current) => {
    if (RELEASE_ENDED.has(current.status)) throw new ConflictError(`release ${id} has ended (${current.status}); nothing to abort`);
    return current.requested === 'abort' ? undefined : { ...current, requested: 'abort' };
  });
}

import { errorMessage } from '../../errors.js';
import { RELEASE_ENDED } from '../../model/release.js';
import { endOf } from './tasks/finish.js';
import { mutateRelease } from './mutate-release.js';
import type { ReleaseStarterDeps } from './release-deps.js';

/**
 * The safety net of release trains, run with the rollout reconcile (health probe; locally also at
 * start): every release that has not ended has a live execution. One that has none yet (never started,
 * or lost with the process that ran it locally) is started, named after the release, and resumes where
 * the record says: its tasks are level-based, so released levels pass at the first look and a stopping
 * train goes on winding down. One whose execution is over without having ended it is ended, failed, with
 * the reason.
 */
export async function reconcileReleases(deps: ReleaseStarterDeps): Promise<{ checked: number; resumed: string[]; ended: string[]; errors: string[] }> {
  const result = { checked: 0, resumed: [] as string[], ended: [] as string[], errors: [] as string[] };
  for (const release of await deps.store.listUnendedReleases()) {
    result.checked++;
    try {
      const state = await deps.releases.state(release.id);
      if (state === 'running') continue;
      if (state === 'absent') {
        await deps.releases.start({ releaseId: release.id, intervalSeconds: release.intervalSeconds });
        result.resumed.push(release.id);
        continue;
      }
      const at = deps.clock.now().toISOString();
      await mutateRelease(deps, release.id, (current) => {
        if (RELEASE_ENDED.has(current.status)) return undefined;
        const reason = `its execution ended before the release did${current.reason ? ` (${current.reason})` : ''}; running items finish on their own`;
        return endOf({ ...current, status: 'stopping', reason }, at);
      });
      result.ended.push(release.id);
    } catch (err) {
      result.errors.push(`${release.id}: ${errorMessage(err)}`);
    }
  }
  return result;
}

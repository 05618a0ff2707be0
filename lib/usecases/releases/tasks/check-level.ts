import type { ReleaseTaskResponse } from '../../../model/release-task-contract.js';
import { decideLevel, type LevelDecision } from '../../../release/decide.js';
import { loadRelease, mutateRelease } from '../mutate-release.js';
import { observeItems } from '../observe-items.js';
import type { ReleaseTaskDeps } from '../release-deps.js';

/**
 * Looks at level `levelIndex`: its items' deployments, and whether a person aborted the release; records
 * what changed and, on `stop`, the release as stopping with the reason. The decision is `decideLevel`'s.
 */
export async function checkLevelTask(deps: ReleaseTaskDeps, releaseId: string, levelIndex: number): Promise<ReleaseTaskResponse> {
  const release = await loadRelease(deps, releaseId);
  const observations = await observeItems(deps, release, (i) => i.level === levelIndex);
  let decision: LevelDecision = 'wait';
  await mutateRelease(deps, releaseId, (current) => {
    const outcome = decideLevel(current, levelIndex, observations);
    decision = outcome.decision;
    const changed = outcome.items.some((i, n) => i !== current.items[n]);
    if (outcome.decision === 'stop' && current.status === 'running') return { ...current, items: outcome.items, status: 'stopping', reason: outcome.reason };
    return changed ? { ...current, items: outcome.items } : undefined;
  });
  return { decision };
}

import type { ReleaseRecord } from '../../../model/release.js';
import { RELEASE_ENDED } from '../../../model/release.js';
import type { ReleaseTaskResponse } from '../../../model/release-task-contract.js';
import { mutateRelease } from '../mutate-release.js';
import type { ReleaseTaskDeps } from '../release-deps.js';

/** How a release ends, from its record (pure): a stopped train failed (or was aborted); a running one succeeded when every item did. */
export function endOf(release: ReleaseRecord, at: string): ReleaseRecord {
  const items = release.items.map((i) => (i.status === 'pending' ? { ...i, status: 'aborted' as const, reason: 'not started: the train stopped' } : i));
  const allReleased = items.every((i) => i.status === 'succeeded');
  const status: ReleaseRecord['status'] = release.status === 'running' && allReleased ? 'succeeded' : release.requested === 'abort' ? 'aborted' : 'failed';
  const reason = status === 'succeeded' ? undefined : (release.reason ?? 'not every item was released');
  return { ...release, items, status, reason, endedAt: at };
}

/** Records how the release ended (once); the machine ends in the matching Succeed or Fail state. */
export async function finishTask(deps: ReleaseTaskDeps, releaseId: string): Promise<ReleaseTaskResponse> {
  const at = deps.clock.now().toISOString();
  const release = await mutateRelease(deps, releaseId, (current) => (RELEASE_ENDED.has(current.status) ? undefined : endOf(current, at)));
  return { outcome: release.status === 'succeeded' ? 'succeeded' : release.status === 'aborted' ? 'aborted' : 'failed' };
}

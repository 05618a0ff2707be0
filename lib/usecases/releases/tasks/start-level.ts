import type { ReleaseTaskResponse } from '../../../model/release-task-contract.js';
import { acceptOperation } from '../../shared/accept-operation.js';
import { loadRelease, mutateRelease } from '../mutate-release.js';
import type { ReleaseTaskDeps } from '../release-deps.js';
import { itemIds } from '../release-ids.js';

/**
 * Requests the deployment of every item of level `levelIndex` that has not started, each a normal deploy
 * request with ids derived from the release (a retry or a resumed execution requests nothing twice),
 * then records the items running. A release that is stopping starts nothing (`checkLevel` says `stop`).
 */
export async function startLevelTask(deps: ReleaseTaskDeps, releaseId: string, levelIndex: number): Promise<ReleaseTaskResponse> {
  const release = await loadRelease(deps, releaseId);
  if (release.status !== 'running' || release.requested === 'abort') return {};
  const toStart = release.items.filter((i) => i.level === levelIndex && i.status === 'pending');
  for (const item of toStart) {
    const ids = itemIds(releaseId, item.service);
    await acceptOperation(deps, {
      id: ids.operationId,
      kind: 'deploy',
      type: 'deploy.requested',
      service: item.service,
      payload: { deploymentId: ids.deploymentId, image: item.image, releaseId },
      correlationId: releaseId,
    });
  }
  await mutateRelease(deps, releaseId, (current) => {
    if (current.status !== 'running') return undefined;
    const items = current.items.map((i) =>
      i.level === levelIndex && i.status === 'pending' ? { ...i, status: 'running' as const, deploymentId: itemIds(releaseId, i.service).deploymentId } : i,
    );
    const changed = items.some((i, n) => i !== current.items[n]) || current.currentLevel < levelIndex;
    return changed ? { ...current, items, currentLevel: Math.max(current.currentLevel, levelIndex) } : undefined;
  });
  return {};
}

import { ConflictError, NotFoundError, ValidationError } from '../../../errors.js';
import type { ReleaseRecord } from '../../../model/release.js';
import { RELEASE_ENDED } from '../../../model/release.js';
import type { ReleaseTaskResponse } from '../../../model/release-task-contract.js';
import { decideWindDown, type WindDownOutcome } from '../../../release/decide.js';
import { requestRollback } from '../../shared/request-rollback.js';
import { steerDeployment } from '../../shared/steer-deployment.js';
import { loadRelease, mutateRelease } from '../mutate-release.js';
import { observeItems } from '../observe-items.js';
import type { ReleaseTaskDeps } from '../release-deps.js';
import { rollbackKeyOf } from '../release-ids.js';

/**
 * After the train stopped (or a task failed for good, `failure`): records the release as stopping, then
 * does what `decideWindDown` says: abort the deployments still running, then with rollbackAll roll back
 * the released items, the highest level first, one level at a time (each a rollback deployment to the
 * revision the item replaced, with a key derived from the release: requested once). `end` when done.
 */
export async function windDownTask(
  deps: ReleaseTaskDeps,
  releaseId: string,
  failure?: { Error?: string; Cause?: string } | null,
): Promise<ReleaseTaskResponse> {
  const before = await loadRelease(deps, releaseId);
  if (RELEASE_ENDED.has(before.status)) return { decision: 'end' };
  const observations = await observeItems(deps, before);
  let outcome: WindDownOutcome | undefined;
  const failed = failure?.Error ? `a release task failed: ${failure.Error}${failure.Cause ? `: ${failure.Cause}` : ''}` : undefined;
  const release = await mutateRelease(deps, releaseId, (current) => {
    if (RELEASE_ENDED.has(current.status)) return undefined;
    const stopping: ReleaseRecord =
      current.status === 'stopping' ? current : { ...current, status: 'stopping', reason: current.reason ?? failed ?? 'the train stopped' };
    outcome = decideWindDown(stopping, observations);
    const changed = stopping !== current || outcome.items.some((i, n) => i !== current.items[n]);
    return changed ? { ...stopping, items: outcome.items } : undefined;
  });
  if (!outcome) return { decision: 'end' };

  for (const service of outcome.abort) {
    const item = release.items.find((i) => i.service === service);
    if (!item?.deploymentId) continue;
    await steerDeployment(deps, service, item.deploymentId, 'abort').catch((err: unknown) => {
      // Ended meanwhile: the next look sees how.
      if (!(err instanceof ConflictError || err instanceof NotFoundError)) throw err;
    });
  }
  const started = new Map<string, { deploymentId?: string; error?: string }>();
  for (const service of outcome.rollback) {
    const item = release.items.find((i) => i.service === service)!;
    try {
      const { deploymentId } = await requestRollback(deps, service, { toRevision: item.fromRevision }, releaseId, rollbackKeyOf(releaseId));
      started.set(service, { deploymentId });
    } catch (err) {
      if (!(err instanceof ValidationError || err instanceof NotFoundError)) throw err;
      started.set(service, { error: `its rollback could not be requested: ${err.message}` });
    }
  }
  if (started.size > 0) {
    await mutateRelease(deps, releaseId, (current) => ({
      ...current,
      items: current.items.map((i) => {
        const s = started.get(i.service);
        if (!s || i.rollbackDeploymentId) return i;
        return s.deploymentId ? { ...i, rollbackDeploymentId: s.deploymentId } : { ...i, rollbackError: s.error };
      }),
    }));
  }
  return { decision: outcome.decision };
}

import * as z from 'zod';
import { OperationCompletedError, VersionConflictError } from '../../errors.js';
import type { EventEnvelope } from '../../model/events.js';
import { OnFailure, RELEASE_ENDED, type ReleaseRecord } from '../../model/release.js';
import { releaseIntervalSeconds } from '../../model/release-task-contract.js';
import { executionName } from '../../model/rollout-task-contract.js';
import { containerImage, dns1123Label } from '../../model/names.js';
import type { ReleaseStarterDeps } from './release-deps.js';
import { crashPoint } from '../../platform/crash-points.js';

const ReleaseRequestedPayload = z.object({
  releaseId: executionName,
  items: z.array(z.object({ service: dns1123Label, image: containerImage })).min(1),
  onFailure: OnFailure,
  levels: z.array(z.array(dns1123Label)),
});

export type ReleaseRequestedOutcome = { outcome: 'started' | 'duplicate'; releaseId: string } | { outcome: 'rejected'; reason: string };

/**
 * The queue side of `release.requested`: records the release (pending) with its operation's outcome in
 * one write, then starts its execution, named after the release id. Delivered twice, the second finds the
 * release recorded and only makes sure its execution exists.
 */
export async function handleReleaseRequested(deps: ReleaseStarterDeps, event: EventEnvelope): Promise<ReleaseRequestedOutcome> {
  const operation = await deps.store.getOperation(event.id);
  const parsed = ReleaseRequestedPayload.safeParse(event.payload);
  const now = deps.clock.now();
  if (!parsed.success) {
    const reason = `the release request is malformed: ${parsed.error.message}`;
    if (operation?.status === 'pending') await deps.store.completeOperation({ id: event.id, status: 'failed', reason }, []);
    return { outcome: 'rejected', reason };
  }
  const { releaseId, items, onFailure, levels } = parsed.data;
  let release = await deps.store.getRelease(releaseId);
  if (!release) {
    if (operation && operation.status !== 'pending') return { outcome: 'duplicate', releaseId };
    const services = await deps.store.getServices(items.map((i) => i.service));
    const at = now.toISOString();
    const levelOf = new Map(levels.flatMap((names, level) => names.map((n) => [n, level] as const)));
    release = {
      id: releaseId,
      status: 'pending',
      onFailure,
      levels,
      items: items.map((i) => ({ service: i.service, image: i.image, level: levelOf.get(i.service) ?? 0, status: 'pending' })),
      intervalSeconds: releaseIntervalSeconds(services.map((s) => s.spec.rollout.analysis.intervalSeconds)),
      currentLevel: 0,
      operationId: event.id,
      version: 1,
      createdAt: at,
      updatedAt: at,
    } satisfies ReleaseRecord;
    try {
      await deps.store.putRelease(release, null, operation ? { id: event.id, status: 'succeeded', result: { releaseId } } : undefined);
    } catch (err) {
      if (!(err instanceof OperationCompletedError || err instanceof VersionConflictError)) throw err;
      release = await deps.store.getRelease(releaseId);
      if (!release) return { outcome: 'duplicate', releaseId };
    }
    crashPoint('release.after-recorded');
  }
  if (!RELEASE_ENDED.has(release.status)) await deps.releases.start({ releaseId, intervalSeconds: release.intervalSeconds });
  return { outcome: operation?.status === 'pending' ? 'started' : 'duplicate', releaseId };
}

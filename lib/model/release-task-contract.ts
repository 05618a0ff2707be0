/**
 * The contract between the release state machine (`lib/release/state-machine.ts`) and its task
 * function (`functions/release-task.ts`; locally the same dispatcher). Every action is idempotent and
 * level-based: it reloads the release and the deployments it names, decides (`lib/release/decide.ts`)
 * and records; the machine only loops and dispatches on `decision`.
 *
 * - `plan`: the release becomes running; its levels are re-planned with the call edges observed in the
 *   mesh (when the metrics source has them). Returns the level count.
 * - `startLevel`: requests the deployments of the level's items (deterministic ids: a retry requests
 *   nothing twice).
 * - `checkLevel`: observes the level's deployments: `wait`, `next` (every item promoted) or `stop`.
 * - `windDown`: after a stop (or a task failure, `failure`): aborts running items, rolls back released
 *   ones in reverse level order (rollbackAll): `wait` until it is all done, then `end`.
 * - `finish`: records how the release ended: `succeeded`, `failed` or `aborted`.
 *
 * Errors: `TransientError` / `VersionConflictError` are retried by the machine; anything else goes to
 * the wind-down with the error as its reason.
 */
import * as z from 'zod';
import { executionName } from './rollout-task-contract.js';

export const ReleaseExecutionInput = z.object({
  releaseId: executionName,
  /** Seconds between two looks at the running level (and at rollbacks while winding down). */
  intervalSeconds: z.number().int().min(1).max(3600),
});
export type ReleaseExecutionInput = z.infer<typeof ReleaseExecutionInput>;

const target = { releaseId: executionName };

export const ReleaseTaskRequest = z.discriminatedUnion('action', [
  z.object({ action: z.literal('plan'), ...target }),
  z.object({ action: z.literal('startLevel'), ...target, levelIndex: z.number().int().min(0) }),
  z.object({ action: z.literal('checkLevel'), ...target, levelIndex: z.number().int().min(0) }),
  z.object({
    action: z.literal('windDown'),
    ...target,
    failure: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).nullish(),
  }),
  z.object({ action: z.literal('finish'), ...target }),
]);
export type ReleaseTaskRequest = z.infer<typeof ReleaseTaskRequest>;

export const ReleaseTaskResponse = z.object({
  levelCount: z.number().int().min(0).optional(),
  decision: z.enum(['wait', 'next', 'stop', 'end']).optional(),
  outcome: z.enum(['succeeded', 'failed', 'aborted']).optional(),
});
export type ReleaseTaskResponse = z.infer<typeof ReleaseTaskResponse>;

export type ReleaseTaskFunction = (request: ReleaseTaskRequest) => Promise<ReleaseTaskResponse>;

/** Seconds between looks at a level: the shortest analysis interval among the items, within [5, 60]. */
export function releaseIntervalSeconds(analysisIntervals: readonly number[]): number {
  const shortest = analysisIntervals.length > 0 ? Math.min(...analysisIntervals) : 30;
  return Math.min(60, Math.max(5, Math.round(shortest)));
}

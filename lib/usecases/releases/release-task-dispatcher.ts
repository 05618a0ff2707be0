import { TransientError, VersionConflictError } from '../../errors.js';
import type { ReleaseTaskFunction, ReleaseTaskRequest, ReleaseTaskResponse } from '../../model/release-task-contract.js';
import type { ReleaseTaskDeps } from './release-deps.js';
import { checkLevelTask } from './tasks/check-level.js';
import { finishTask } from './tasks/finish.js';
import { planTask } from './tasks/plan.js';
import { startLevelTask } from './tasks/start-level.js';
import { windDownTask } from './tasks/wind-down.js';

/** The release task function's logic: one action per request, each idempotent (see model/release-task-contract.ts). */
export function createReleaseTaskDispatcher(deps: ReleaseTaskDeps): ReleaseTaskFunction {
  return async (request: ReleaseTaskRequest): Promise<ReleaseTaskResponse> => {
    try {
      return await dispatch(deps, request);
    } catch (err) {
      // The machine retries by error name: a retryable subclass leaves under its base class's name.
      if (err instanceof TransientError && err.name !== TransientError.name) throw new TransientError(err.message, { cause: err });
      if (err instanceof VersionConflictError && err.name !== VersionConflictError.name) throw new VersionConflictError(err.message, { cause: err });
      throw err;
    }
  };
}

function dispatch(deps: ReleaseTaskDeps, request: ReleaseTaskRequest): Promise<ReleaseTaskResponse> {
  switch (request.action) {
    case 'plan':
      return planTask(deps, request.releaseId);
    case 'startLevel':
      return startLevelTask(deps, request.releaseId, request.levelIndex);
    case 'checkLevel':
      return checkLevelTask(deps, request.releaseId, request.levelIndex);
    case 'windDown':
      return windDownTask(deps, request.releaseId, request.failure);
    case 'finish':
      return finishTask(deps, request.releaseId);
  }
}

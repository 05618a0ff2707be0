import middy from '@middy/core';
import { composeReleaseTask } from '../lib/composition/release-task.js';
import { TerminalError } from '../lib/errors.js';
import { ReleaseTaskRequest, ReleaseTaskResponse } from '../lib/model/release-task-contract.js';
import { createReleaseTaskDispatcher } from '../lib/usecases/releases/release-task-dispatcher.js';
import type { ReleaseTaskDeps } from '../lib/usecases/releases/release-deps.js';
import { composedFromEnvironment } from './middleware/composed-from-environment.js';
import { traced } from './middleware/traced.js';

/**
 * The release state machine's task function (plan, startLevel, checkLevel, windDown, finish). Errors keep
 * their class name, which the machine's Retry/Catch match on (TransientError and VersionConflictError
 * retry; anything else winds the train down).
 */
export function createReleaseTaskHandler(app: ReleaseTaskDeps) {
  const dispatch = createReleaseTaskDispatcher(app);
  return middy<unknown, ReleaseTaskResponse>().handler(async (payload) => {
    const parsed = ReleaseTaskRequest.safeParse(payload);
    if (!parsed.success) throw new TerminalError(`the release machine sent a payload that breaks the task contract: ${parsed.error.message}`);
    return ReleaseTaskResponse.parse(await dispatch(parsed.data));
  });
}

export const handler = traced(composedFromEnvironment(composeReleaseTask, createReleaseTaskHandler));

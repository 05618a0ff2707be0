import middy from '@middy/core';
import type { App } from '../lib/composition/create-app.js';
import { composeAnalysingRolloutStarter } from '../lib/composition/handlers.js';
import { composedFromEnvironment } from './middleware/composed-from-environment.js';
import { contractCheckedTask } from '../lib/rollout/task-handler.js';
import type { RolloutTaskResponse } from '../lib/model/rollout-task-contract.js';
import { createRolloutTaskDispatcher } from '../lib/usecases/rollouts/rollout-task-dispatcher.js';
import { traced } from './middleware/traced.js';

/**
 * The rollout state machine's one task function (start, setWeight, analyze, promote, rollback,
 * finish). Errors keep their class name, which the state machine's Retry/Catch match on
 * (TransientError and VersionConflictError retry; anything else rolls back).
 */
export function createRolloutTaskHandler(app: App) {
  const task = contractCheckedTask(createRolloutTaskDispatcher(app));
  return middy<unknown, RolloutTaskResponse>().handler((payload) => task(payload));
}

export const handler = traced(composedFromEnvironment(composeAnalysingRolloutStarter, createRolloutTaskHandler));

import type { RolloutTaskFunction, RolloutTaskRequest, RolloutTaskResponse } from '../../rollout/task-contract.js';
import type { RolloutDeps } from './rollout-deps.js';
import { analyze } from './tasks/analyze.js';
import { finish } from './tasks/finish.js';
import { promote } from './tasks/promote.js';
import { rollback } from './tasks/rollback.js';
import { setWeight } from './tasks/set-weight.js';
import { startRollout } from './tasks/start-rollout.js';

/** The rollout task Lambda's logic: one action per request, each idempotent (see task-contract.ts). */
export function createRolloutTaskDispatcher(deps: RolloutDeps): RolloutTaskFunction {
  return async (request: RolloutTaskRequest): Promise<RolloutTaskResponse> => {
    switch (request.action) {
      case 'start':
        return startRollout(deps, request);
      case 'setWeight':
        return setWeight(deps, request);
      case 'analyze':
        return analyze(deps, request);
      case 'promote':
        return promote(deps, request);
      case 'rollback':
        return rollback(deps, request);
      case 'finish':
        return finish(deps, request);
    }
  };
}

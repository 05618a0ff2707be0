import { TransientError, VersionConflictError } from '../../errors.js';
import type { RolloutTaskFunction, RolloutTaskRequest, RolloutTaskResponse } from '../../model/rollout-task-contract.js';
import type { RolloutDeps } from '../shared/rollout-deps.js';
import { METRICS } from '../../observability/audit-metrics.js';
import { analyze } from './tasks/analyze.js';
import { finish } from './tasks/finish.js';
import { promote } from './tasks/promote.js';
import { rollback } from './tasks/rollback.js';
import { setWeight } from './tasks/set-weight.js';
import { startRollout } from './tasks/start-rollout.js';
import { beginWave, passWave } from './tasks/waves.js';

/** The rollout task Lambda's logic: one action per request, each idempotent (see model/rollout-task-contract.ts). */
export function createRolloutTaskDispatcher(deps: RolloutDeps): RolloutTaskFunction {
  return async (request: RolloutTaskRequest): Promise<RolloutTaskResponse> => {
    try {
      return await dispatch(deps, request);
    } catch (err) {
      throw asStateMachineError(err);
    }
  };
}

function dispatch(deps: RolloutDeps, request: RolloutTaskRequest): Promise<RolloutTaskResponse> {
  switch (request.action) {
    case 'start':
      return startRollout(deps, request);
    case 'setWeight':
      return setWeight(deps, request);
    case 'analyze':
      return analyze(deps, request).then((response) => {
        deps.telemetry?.count({ name: METRICS.analysisVerdicts, value: 1, dimensions: { decision: response.decision } });
        return response;
      });
    case 'promote':
      return promote(deps, request);
    case 'rollback':
      return rollback(deps, request);
    case 'finish':
      return finish(deps, request);
    case 'beginWave':
      return beginWave(deps, request);
    case 'passWave':
      return passWave(deps, request);
  }
}

/**
 * Step Functions matches `Retry` on the error's name, and the state machine retries `TransientError` and
 * `VersionConflictError` by those names. A subclass carries its own name (the Kubernetes adapter's
 * `KubeApiUnavailableError`), which no retrier matches: a brief API outage would roll the rollout back.
 * Retryable errors therefore leave under their base class's name, the original kept as the cause.
 */
export function asStateMachineError(err: unknown): unknown {
  if (err instanceof TransientError && err.name !== TransientError.name) return new TransientError(err.message, { cause: err });
  if (err instanceof VersionConflictError && err.name !== VersionConflictError.name) return new VersionConflictError(err.message, { cause: err });
  return err;
}

import { AlreadyExistsError, NotFoundError } from '../errors.js';
import type { ExecutionState, RolloutWorkflow } from '../ports/rollout-workflow.js';
import type { LocalRolloutRunner } from './local-rollout-runner.js';
import type { RolloutExecutionInput } from '../model/rollout-task-contract.js';

/** The RolloutWorkflow port over the local Step Functions runner (same ASL, same semantics). */
export class LocalRolloutWorkflow implements RolloutWorkflow {
  constructor(private readonly runner: LocalRolloutRunner) {}

  async start(input: RolloutExecutionInput): Promise<void> {
    try {
      this.runner.start(input);
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
    }
  }

  async state(deploymentId: string): Promise<ExecutionState> {
    try {
      return this.runner.describe(deploymentId).status === 'RUNNING' ? 'running' : 'ended';
    } catch (err) {
      if (err instanceof NotFoundError) return 'absent';
      throw err;
    }
  }
}

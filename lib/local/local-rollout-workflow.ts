import { AlreadyExistsError } from '../errors.js';
import type { RolloutWorkflow } from '../ports/rollout-workflow.js';
import type { LocalRolloutRunner } from '../rollout/local-runner.js';
import type { RolloutExecutionInput } from '../rollout/task-contract.js';

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
}

import type { RolloutExecutionInput } from '../rollout/task-contract.js';

/**
 * Runs rollout state machine executions (Step Functions on AWS, aws-local-stepfunctions locally).
 * `start` is idempotent: the execution is named after the deployment id, and starting it again while
 * it exists does nothing.
 */
export interface RolloutWorkflow {
  start(input: RolloutExecutionInput): Promise<void>;
}

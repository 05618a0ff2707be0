import type { RolloutExecutionInput } from '../model/rollout-task-contract.js';

/** Where a deployment's execution stands: never started, still running, or over (however it ended). */
export type ExecutionState = 'absent' | 'running' | 'ended';

/**
 * Runs rollout state machine executions (Step Functions on AWS, aws-local-stepfunctions locally).
 * `start` is idempotent: the execution is named after the deployment id, and starting it again while
 * it exists does nothing.
 */
export interface RolloutWorkflow {
  start(input: RolloutExecutionInput): Promise<void>;
  /** The state of the execution named after `deploymentId`. */
  state(deploymentId: string): Promise<ExecutionState>;
}

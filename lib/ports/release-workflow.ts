import type { ReleaseExecutionInput } from '../model/release-task-contract.js';
import type { ExecutionState } from './rollout-workflow.js';

export type { ExecutionState };

/**
 * Runs release state machine executions (Step Functions on AWS, aws-local-stepfunctions locally), named
 * after the release id: starting one that exists does nothing.
 */
export interface ReleaseWorkflow {
  start(input: ReleaseExecutionInput): Promise<void>;
  /** The state of the execution named after `releaseId`. */
  state(releaseId: string): Promise<ExecutionState>;
}

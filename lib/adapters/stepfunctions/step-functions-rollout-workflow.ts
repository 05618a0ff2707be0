import { DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionDoesNotExist, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { TransientError } from '../../errors.js';
import type { ExecutionState, RolloutWorkflow } from '../../ports/rollout-workflow.js';
import type { RolloutExecutionInput } from '../../model/rollout-task-contract.js';

/** Starts rollout executions in AWS Step Functions, named after the deployment id. */
export class StepFunctionsRolloutWorkflow implements RolloutWorkflow {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(input: RolloutExecutionInput): Promise<void> {
    try {
      await this.client.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: input.deploymentId, input: JSON.stringify(input) }));
    } catch (err) {
      // Same name and input while running is not even an error; same name after it ended is: both mean
      // this deployment's execution exists, which is all a level-based caller needs.
      if (err instanceof ExecutionAlreadyExists) return;
      throw new TransientError(`could not start the rollout ${input.deploymentId}: ${(err as Error).message}`, { cause: err });
    }
  }

  async state(deploymentId: string): Promise<ExecutionState> {
    // Executions are named after the deployment: their ARN follows from the machine's.
    const executionArn = `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${deploymentId}`;
    try {
      const res = await this.client.send(new DescribeExecutionCommand({ executionArn }));
      return res.status === 'RUNNING' || res.status === 'PENDING_REDRIVE' ? 'running' : 'ended';
    } catch (err) {
      if (err instanceof ExecutionDoesNotExist) return 'absent';
      throw new TransientError(`could not read the rollout ${deploymentId}: ${(err as Error).message}`, { cause: err });
    }
  }
}

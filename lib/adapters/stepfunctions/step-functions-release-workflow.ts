import { DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionDoesNotExist, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { TransientError } from '../../errors.js';
import type { ReleaseExecutionInput } from '../../model/release-task-contract.js';
import type { ExecutionState, ReleaseWorkflow } from '../../ports/release-workflow.js';

/** Starts release executions in AWS Step Functions, named after the release id. */
export class StepFunctionsReleaseWorkflow implements ReleaseWorkflow {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(input: ReleaseExecutionInput): Promise<void> {
    try {
      await this.client.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: input.releaseId, input: JSON.stringify(input) }));
    } catch (err) {
      // The release's execution exists (running, or over): all a level-based caller needs.
      if (err instanceof ExecutionAlreadyExists) return;
      throw new TransientError(`could not start the release ${input.releaseId}: ${(err as Error).message}`, { cause: err });
    }
  }

  async state(releaseId: string): Promise<ExecutionState> {
    const executionArn = `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${releaseId}`;
    try {
      const res = await this.client.send(new DescribeExecutionCommand({ executionArn }));
      return res.status === 'RUNNING' || res.status === 'PENDING_REDRIVE' ? 'running' : 'ended';
    } catch (err) {
      if (err instanceof ExecutionDoesNotExist) return 'absent';
      throw new TransientError(`could not read the release ${releaseId}: ${(err as Error).message}`, { cause: err });
    }
  }
}

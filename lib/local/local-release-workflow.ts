import { AlreadyExistsError, NotFoundError } from '../errors.js';
import type { ReleaseExecutionInput } from '../model/release-task-contract.js';
import type { ExecutionState, ReleaseWorkflow } from '../ports/release-workflow.js';
import type { LocalReleaseRunner } from './local-release-runner.js';

/** The ReleaseWorkflow port over the local Step Functions runner (same ASL, same semantics). */
export class LocalReleaseWorkflow implements ReleaseWorkflow {
  constructor(private readonly runner: LocalReleaseRunner) {}

  async start(input: ReleaseExecutionInput): Promise<void> {
    try {
      this.runner.start(input);
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
    }
  }

  async state(releaseId: string): Promise<ExecutionState> {
    try {
      return this.runner.describe(releaseId).status === 'RUNNING' ? 'running' : 'ended';
    } catch (err) {
      if (err instanceof NotFoundError) return 'absent';
      throw err;
    }
  }
}

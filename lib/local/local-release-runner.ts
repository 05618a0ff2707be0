/**
 * Runs the release state machine locally in `aws-local-stepfunctions`, with the definition Step Functions
 * runs in AWS (`lib/release/state-machine.ts`): every task state calls the local release task function,
 * Waits are compressed by `timeFactor`. Executions are named after the release id; starting a name that
 * is running does nothing, reusing the name of an ended one is refused (as in Step Functions).
 */
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { AlreadyExistsError, NotFoundError, TerminalError } from '../errors.js';
import { ReleaseExecutionInput, ReleaseTaskRequest, ReleaseTaskResponse, type ReleaseTaskFunction } from '../model/release-task-contract.js';
import { releaseDefinitionFor } from '../release/state-machine.js';
import type { AslDefinition } from '../rollout/state-machine.js';
import { drain, failureOf, recordHistory, scaledMs, waitSeconds, type ExecutionDescription, type ExecutionStatus } from './local-rollout-runner.js';

const LOCAL_TASK_FUNCTION_ARN = 'arn:aws:lambda:local:000000000000:function:meshplane-release-task';
const LOCAL_EXECUTION_ARN = 'arn:aws:states:local:000000000000:execution:meshplane-release';

export interface LocalReleaseRunnerOptions {
  task: ReleaseTaskFunction;
  /** Multiplies every Wait and retry pause (default 1). */
  timeFactor?: number;
}

interface Execution {
  status: ExecutionStatus;
  error?: string;
  cause?: string;
  abort: () => void;
  done: Promise<void>;
  inFlight: Set<Promise<unknown>>;
  history: ExecutionDescription['history'];
}

/** Local executions of the release state machine. */
export class LocalReleaseRunner {
  private readonly definition: AslDefinition;
  private readonly machine: StateMachine;
  private readonly timeFactor: number;
  private readonly executions = new Map<string, Execution>();

  constructor(private readonly options: LocalReleaseRunnerOptions) {
    this.timeFactor = options.timeFactor ?? 1;
    this.definition = releaseDefinitionFor(LOCAL_TASK_FUNCTION_ARN);
    this.machine = new StateMachine(structuredClone(this.definition) as unknown as StateMachineDefinition);
  }

  /** Starts the execution named after the release; `started: false` when it is running already. */
  start(rawInput: ReleaseExecutionInput): { name: string; started: boolean } {
    const input = ReleaseExecutionInput.parse(rawInput);
    const name = input.releaseId;
    const existing = this.executions.get(name);
    if (existing) {
      if (existing.status === 'RUNNING') return { name, started: false };
      throw new AlreadyExistsError(`execution "${name}" already exists (${existing.status.toLowerCase()})`);
    }
    const inFlight = new Set<Promise<unknown>>();
    const waits: Record<string, number> = {};
    const retries: Record<string, number[]> = {};
    for (const [stateName, state] of Object.entries(this.definition.States)) {
      if (state.Type === 'Wait') waits[stateName] = scaledMs(waitSeconds(stateName, state, input), this.timeFactor);
      const retriers = state.Retry as { IntervalSeconds?: number }[] | undefined;
      if (retriers) retries[stateName] = retriers.map((r) => scaledMs(r.IntervalSeconds ?? 1, this.timeFactor));
    }
    const handlers: Record<string, (input: unknown) => Promise<never>> = {};
    for (const [stateName, state] of Object.entries(this.definition.States)) {
      if (state.Type !== 'Task') continue;
      handlers[stateName] = (taskInput) => {
        const call = this.invoke(taskInput);
        inFlight.add(call);
        void call.finally(() => inFlight.delete(call)).catch(() => undefined);
        return call as Promise<never>;
      };
    }
    const run = this.machine.run(input as never, {
      noThrowOnAbort: true,
      context: { Execution: { Id: `${LOCAL_EXECUTION_ARN}:${name}`, Name: name } },
      overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides: waits, retryIntervalOverrides: retries },
    });
    const execution: Execution = { status: 'RUNNING', abort: run.abort, inFlight, history: [], done: Promise.resolve() };
    this.executions.set(name, execution);
    let stopped = false;
    const finished = run.result.then(
      () => void (execution.status = stopped ? 'ABORTED' : 'SUCCEEDED'),
      (err: unknown) => {
        Object.assign(execution, { status: 'FAILED' as const, ...failureOf(err) });
      },
    );
    execution.abort = () => {
      stopped = true;
      run.abort();
    };
    execution.done = Promise.all([finished, recordHistory(run.eventLogs, execution.history)]).then(() => drain(inFlight));
    return { name, started: true };
  }

  describe(name: string): { status: ExecutionStatus; error?: string; cause?: string; history: ExecutionDescription['history'] } {
    const execution = this.executions.get(name);
    if (!execution) throw new NotFoundError(`no execution named "${name}"`);
    return { status: execution.status, error: execution.error, cause: execution.cause, history: [...execution.history] };
  }

  async waitFor(name: string): Promise<ReturnType<LocalReleaseRunner['describe']>> {
    const execution = this.executions.get(name);
    if (!execution) throw new NotFoundError(`no execution named "${name}"`);
    await execution.done;
    return this.describe(name);
  }

  /** Stops every running execution (shutdown): no wind-down runs; a restart resumes them. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.executions.values()].map(async (e) => {
        if (e.status === 'RUNNING') e.abort();
        await e.done;
      }),
    );
  }

  private async invoke(input: unknown): Promise<unknown> {
    const payload = (input as { Payload?: unknown } | null)?.Payload;
    const parsed = ReleaseTaskRequest.safeParse(payload);
    if (!parsed.success) throw new TerminalError(`the release machine sent a payload that breaks the task contract: ${parsed.error.message}`);
    const response = ReleaseTaskResponse.parse(await this.options.task(parsed.data));
    return { ExecutedVersion: '$LATEST', StatusCode: 200, Payload: JSON.parse(JSON.stringify(response)) };
  }
}

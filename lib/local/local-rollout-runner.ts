/**
 * Runs the rollout state machine locally in `aws-local-stepfunctions`, with the same definition that
 * Step Functions runs in AWS. Every `arn:aws:states:::lambda:invoke` task calls a local task function
 * instead of Lambda, and time can be compressed (Waits and retry pauses scaled by `timeFactor`).
 *
 * Executions behave like Step Functions standard workflow executions: named (here after the
 * deployment id), a second start with the same name and input while running returns the running one,
 * any other reuse of a name is refused; `stop` ends one without running its Catch/rollback path.
 */
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { AlreadyExistsError, NotFoundError, TerminalError, ValidationError } from '../errors.js';
import { rolloutStateMachineDefinition, substituteDefinition, type AslDefinition, type AslState } from '../rollout/state-machine.js';
import { contractCheckedTask, type RolloutTaskDispatcher } from '../rollout/task-handler.js';
import { RolloutExecutionInput, type RolloutTaskRequest } from '../model/rollout-task-contract.js';

/** What the local runner calls for each task state: the request payload in, the response out. */
export type LocalTaskFunction = RolloutTaskDispatcher;

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

/** A state transition, for debugging (the last {@link HISTORY_LIMIT} are kept per execution). */
export interface ExecutionHistoryEntry {
  at: string;
  type: string;
  state?: string;
}

/** What `describe` returns, shaped like Step Functions' DescribeExecution. */
export interface ExecutionDescription {
  name: string;
  status: ExecutionStatus;
  input: RolloutExecutionInput;
  /** Final state data of a SUCCEEDED execution. */
  output?: unknown;
  /** `Error` of the Fail state (e.g. `RolloutAnalysisFailed`) or of the runtime failure. */
  error?: string;
  cause?: string;
  startedAt: string;
  stoppedAt?: string;
  history: ExecutionHistoryEntry[];
}

export interface LocalRolloutRunnerOptions {
  /** The task dispatcher: what the task Lambda would do for each payload. */
  task: LocalTaskFunction;
  /** Multiplies every Wait and retry pause: 0.01 turns a 60 s wait into 0.6 s. Default 1. */
  timeFactor?: number;
  /** Check every payload and response against `model/rollout-task-contract.ts` with `contractCheckedTask` (default true). */
  validateContract?: boolean;
  /** Defaults to {@link rolloutStateMachineDefinition}. Wait durations must come from the input. */
  definition?: AslDefinition;
}

/** How many history entries an execution keeps. */
export const HISTORY_LIMIT = 200;
const LOCAL_TASK_FUNCTION_ARN = 'arn:aws:lambda:local:000000000000:function:meshplane-rollout-task';
const LOCAL_STATE_MACHINE_ARN = 'arn:aws:states:local:000000000000:stateMachine:meshplane-rollout';
const DEFAULT_RETRY_INTERVAL_SECONDS = 1; // ASL default for a retrier without IntervalSeconds

interface Execution {
  description: ExecutionDescription;
  inputJson: string;
  abort: () => void;
  /** Settles when the execution has stopped and no task call of it is still running. */
  done: Promise<void>;
  inFlight: Set<Promise<unknown>>;
  stopRequested: boolean;
}

/** Local executions of the rollout state machine. */
export class LocalRolloutRunner {
  private readonly machine: StateMachine;
  private readonly definition: AslDefinition;
  private readonly timeFactor: number;
  private readonly callTask: (payload: unknown) => Promise<unknown>;
  private readonly executions = new Map<string, Execution>();

  constructor(options: LocalRolloutRunnerOptions) {
    const validate = options.validateContract ?? true;
    this.callTask = validate ? contractCheckedTask(options.task) : (payload) => options.task(payload as RolloutTaskRequest);
    this.timeFactor = options.timeFactor ?? 1;
    if (!(this.timeFactor >= 0) || !Number.isFinite(this.timeFactor))
      throw new RangeError(`timeFactor must be a finite number >= 0, got ${options.timeFactor}`);
    this.definition = substituteDefinition(options.definition ?? rolloutStateMachineDefinition(), {
      RolloutTaskFunctionArn: LOCAL_TASK_FUNCTION_ARN,
    });
    // The library's validator annotates the object it checks; give it a copy.
    this.machine = new StateMachine(structuredClone(this.definition) as unknown as StateMachineDefinition);
  }

  /**
   * Starts an execution named after `input.deploymentId`. Returns the running execution when one with
   * the same name and input is running (`started: false`); throws AlreadyExistsError when the name was
   * used with another input or by an execution that has ended.
   */
  start(rawInput: RolloutExecutionInput): { name: string; started: boolean } {
    const parsed = RolloutExecutionInput.safeParse(rawInput);
    if (!parsed.success) {
      throw new ValidationError(
        parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        'the rollout input is not valid',
      );
    }
    const input = parsed.data;
    const name = input.deploymentId;
    const inputJson = JSON.stringify(input);
    const existing = this.executions.get(name);
    if (existing) {
      if (existing.description.status === 'RUNNING' && existing.inputJson === inputJson) return { name, started: false };
      throw new AlreadyExistsError(`execution "${name}" already exists (${existing.description.status.toLowerCase()})`);
    }

    const description: ExecutionDescription = { name, status: 'RUNNING', input, startedAt: new Date().toISOString(), history: [] };
    const inFlight = new Set<Promise<unknown>>();
    // `as never`: the library types its input as its own JSONValue; a parsed input is plain JSON.
    const run = this.machine.run(input as never, {
      noThrowOnAbort: true,
      context: { Execution: { Id: `${LOCAL_STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}`, Name: name } },
      overrides: {
        taskResourceLocalHandlers: this.taskHandlers(inFlight),
        waitTimeOverrides: this.waitOverrides(input),
        retryIntervalOverrides: this.retryOverrides(),
      },
    });
    const execution: Execution = { description, inputJson, abort: run.abort, inFlight, stopRequested: false, done: Promise.resolve() };
    this.executions.set(name, execution);

    const finished = run.result.then(
      (output) => this.settle(execution, execution.stopRequested ? { status: 'ABORTED' } : { status: 'SUCCEEDED', output }),
      (err: unknown) => this.settle(execution, { status: 'FAILED', ...failureOf(err) }),
    );
    const historyDrained = recordHistory(run.eventLogs, description.history);
    execution.done = Promise.all([finished, historyDrained]).then(() => drain(inFlight));
    return { name, started: true };
  }

  /** The execution's current status; NotFoundError for an unknown name. */
  describe(name: string): ExecutionDescription {
    const execution = this.executions.get(name);
    if (!execution) throw new NotFoundError(`no execution named "${name}"`);
    const d = execution.description;
    return { ...d, history: [...d.history] };
  }

  /** Resolves once the execution has ended (and its last task call has returned). */
  async waitFor(name: string): Promise<ExecutionDescription> {
    const execution = this.executions.get(name);
    if (!execution) throw new NotFoundError(`no execution named "${name}"`);
    await execution.done;
    return this.describe(name);
  }

  /**
   * Stops a running execution, like StopExecution: status ABORTED, no rollback runs (to undo a rollout,
   * signal an abort on the deployment so `analyze` reports it). Stopping an ended execution is a no-op.
   */
  async stop(name: string, cause = 'stopped'): Promise<ExecutionDescription> {
    const execution = this.executions.get(name);
    if (!execution) throw new NotFoundError(`no execution named "${name}"`);
    if (execution.description.status === 'RUNNING') {
      execution.stopRequested = true;
      execution.description.cause = cause;
      execution.abort();
    }
    return this.waitFor(name);
  }

  /** Stops every running execution and waits for all of them (for shutdown and tests). */
  async close(): Promise<void> {
    await Promise.all([...this.executions.keys()].map((name) => this.stop(name)));
  }

  private settle(execution: Execution, outcome: Pick<ExecutionDescription, 'status' | 'output' | 'error' | 'cause'>): void {
    const d = execution.description;
    if (d.status !== 'RUNNING') return;
    Object.assign(d, outcome, { stoppedAt: new Date().toISOString() });
  }

  /** Every Lambda-invoke task state calls the local task function, unwrapping and wrapping `Payload`. */
  private taskHandlers(inFlight: Set<Promise<unknown>>): Record<string, (input: unknown) => Promise<never>> {
    const handlers: Record<string, (input: unknown) => Promise<never>> = {};
    for (const [stateName, state] of Object.entries(this.definition.States)) {
      if (state.Type !== 'Task' || state.Resource !== 'arn:aws:states:::lambda:invoke') continue;
      handlers[stateName] = (input) => {
        const call = this.invokeTask(input);
        inFlight.add(call);
        void call.finally(() => inFlight.delete(call)).catch(() => undefined);
        // The library's types want JSON values; the response is one (it came from a JSON contract).
        return call as Promise<never>;
      };
    }
    return handlers;
  }

  private async invokeTask(input: unknown): Promise<unknown> {
    const payload = (input as { Payload?: unknown } | null)?.Payload;
    const response = await this.callTask(payload);
    // The shape of the `arn:aws:states:::lambda:invoke` integration's result.
    return { ExecutedVersion: '$LATEST', StatusCode: 200, Payload: JSON.parse(JSON.stringify(response ?? null)) };
  }

  /**
   * Wait durations for this execution. Each Wait reads `SecondsPath` from an input field the machine
   * never rewrites, so it has one duration per execution and can be resolved before it starts.
   */
  private waitOverrides(input: RolloutExecutionInput): Record<string, number> {
    const overrides: Record<string, number> = {};
    for (const [stateName, state] of Object.entries(this.definition.States)) {
      if (state.Type !== 'Wait') continue;
      overrides[stateName] = scaledMs(waitSeconds(stateName, state, input), this.timeFactor);
    }
    return overrides;
  }

  /** Retry pauses scaled by the time factor (locally without backoff growth or jitter). */
  private retryOverrides(): Record<string, number[]> {
    const overrides: Record<string, number[]> = {};
    for (const [stateName, state] of Object.entries(this.definition.States)) {
      const retriers = state.Retry as { IntervalSeconds?: number }[] | undefined;
      if (!retriers) continue;
      overrides[stateName] = retriers.map((r) => scaledMs(r.IntervalSeconds ?? DEFAULT_RETRY_INTERVAL_SECONDS, this.timeFactor));
    }
    return overrides;
  }
}

/**
 * At least 1 ms: the library skips a 0 ms sleep without yielding to timers, so a loop of instant waits
 * and instant tasks would starve the event loop.
 */
export function scaledMs(seconds: number, factor: number): number {
  return Math.max(1, Math.round(seconds * 1000 * factor));
}

export function waitSeconds(stateName: string, state: AslState, input: unknown): number {
  if (typeof state.Seconds === 'number') return state.Seconds;
  if (typeof state.SecondsPath === 'string') {
    const value = resolveSimplePath(state.SecondsPath, input);
    if (typeof value !== 'number' || value < 0) {
      throw new TerminalError(`Wait state "${stateName}": ${state.SecondsPath} is ${JSON.stringify(value)} in the input, expected seconds >= 0`);
    }
    return value;
  }
  throw new TerminalError(`Wait state "${stateName}" must use Seconds or SecondsPath to run locally`);
}

/** Resolves `$.a.b.c` (the only path form the rollout definition's Waits use). */
function resolveSimplePath(path: string, data: unknown): unknown {
  if (!/^\$(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(path)) throw new TerminalError(`unsupported path ${path}: use $.field.field`);
  let current: unknown = data;
  for (const key of path.slice(2).split('.')) {
    current = current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined;
  }
  return current;
}

export function failureOf(err: unknown): { error: string; cause: string } {
  // ExecutionError wraps the state's error: a Fail state's Error/Cause, or the task error that ended it.
  const inner = err instanceof ExecutionError && err.cause instanceof Error ? err.cause : err;
  return inner instanceof Error ? { error: inner.name, cause: inner.message } : { error: 'Error', cause: String(inner) };
}

export async function recordHistory(
  events: AsyncGenerator<{ type: string; timestamp: number; state?: { name: string } }>,
  history: ExecutionHistoryEntry[],
): Promise<void> {
  for await (const event of events) {
    history.push({ at: new Date(event.timestamp).toISOString(), type: event.type, state: event.state?.name });
    if (history.length > HISTORY_LIMIT) history.splice(0, history.length - HISTORY_LIMIT);
  }
}

export async function drain(inFlight: Set<Promise<unknown>>): Promise<void> {
  await Promise.allSettled([...inFlight]);
}

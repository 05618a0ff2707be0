/**
 * Wraps a rollout task dispatcher so that what crosses the state machine boundary always honours
 * `model/rollout-task-contract.ts`: the Lambda handler and the local runner both call the dispatcher through it.
 */
import { errorMessage, TerminalError } from '../errors.js';
import { parseTaskResponse, RolloutTaskRequest, type RolloutTaskResponse } from '../model/rollout-task-contract.js';

/** A dispatcher: does what the request's action asks. Its result is checked against the contract. */
export type RolloutTaskDispatcher = (request: RolloutTaskRequest) => Promise<unknown>;

/**
 * Returns a function that parses the payload, dispatches it, and parses the result with the action's
 * response schema (filling defaults, and requiring the `decision` the state machine's Choice states
 * dispatch on). A payload or result that breaks the contract is a TerminalError, so the machine
 * rolls back instead of failing inside a Choice state where nothing can catch it. Errors of the
 * dispatcher propagate unchanged (their `name` decides whether Step Functions retries them).
 *
 * In the Lambda: `export const handler = contractCheckedTask(dispatch);`.
 */
export function contractCheckedTask(dispatch: RolloutTaskDispatcher): (payload: unknown) => Promise<RolloutTaskResponse> {
  return async (payload) => {
    const parsed = RolloutTaskRequest.safeParse(payload);
    if (!parsed.success) throw new TerminalError(`the state machine sent a payload that breaks the task contract: ${parsed.error.message}`);
    const request = parsed.data;
    const result = await dispatch(request);
    try {
      return parseTaskResponse(request.action, result);
    } catch (err) {
      throw new TerminalError(`the task function's "${request.action}" response breaks the task contract: ${errorMessage(err)}`);
    }
  };
}

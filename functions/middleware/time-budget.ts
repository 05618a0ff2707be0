import type middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { TransientError } from '../../lib/errors.js';

/** A Lambda context with the invocation's time budget, set by {@link timeBudget}. */
export interface TimeBudgetContext extends Context {
  /** Fires a safety margin before the function's timeout. */
  timeBudget?: AbortSignal;
}

export interface TimeBudgetOptions {
  /**
   * How long before the function's timeout the signal fires: time left to report the batch and record
   * why records were not processed. Default: a tenth of the time remaining at the start, 1–10 s.
   */
  safetyMarginMs?: number;
}

/** The default safety margin for an invocation that starts with `remainingMs` left. */
export function defaultSafetyMarginMs(remainingMs: number): number {
  return Math.min(10_000, Math.max(1_000, Math.floor(remainingMs / 10)));
}

/**
 * A middy middleware that derives an AbortSignal from `context.getRemainingTimeInMillis()` and puts it
 * on `context.timeBudget`: it fires a safety margin before Lambda's timeout, so the handler stops
 * starting work it cannot finish and ends what it can (a batch reports its unstarted records as
 * failed) instead of being cut off mid-write with its work running on. Without a Lambda clock (a bare
 * context in tests) there is no signal.
 *
 * @example
 * middy<SQSEvent, SQSBatchResponse, Error, TimeBudgetContext>()
 *   .use(timeBudget())
 *   .handler((event, context) => processFifoBatch(event, { handle, log, signal: context.timeBudget }));
 */
export function timeBudget(options: TimeBudgetOptions = {}): middy.MiddlewareObj<unknown, unknown, Error, TimeBudgetContext> {
  const timers = new WeakMap<object, NodeJS.Timeout>();
  const clear = (request: middy.Request<unknown, unknown, Error, TimeBudgetContext>) => {
    const timer = timers.get(request.context);
    if (timer) clearTimeout(timer);
    timers.delete(request.context);
  };
  return {
    before: (request) => {
      const remaining = typeof request.context.getRemainingTimeInMillis === 'function' ? request.context.getRemainingTimeInMillis() : undefined;
      if (remaining === undefined || !Number.isFinite(remaining)) return;
      const margin = options.safetyMarginMs ?? defaultSafetyMarginMs(remaining);
      const controller = new AbortController();
      const timer = setTimeout(
        () => controller.abort(new TransientError(`the invocation's time budget ran out (${margin} ms before the function timeout)`)),
        Math.max(0, remaining - margin),
      );
      timer.unref?.();
      timers.set(request.context, timer);
      request.context.timeBudget = controller.signal;
    },
    after: clear,
    onError: clear,
  };
}

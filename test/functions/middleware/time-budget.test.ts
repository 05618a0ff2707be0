import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { defaultSafetyMarginMs, timeBudget, type TimeBudgetContext } from '../../../functions/middleware/time-budget.js';
import { localLambdaContext } from '../../../lib/local/lambda-context.js';

describe('timeBudget', () => {
  it.each([
    { remainingMs: 3_000, margin: 1_000 },
    { remainingMs: 20_000, margin: 2_000 },
    { remainingMs: 60_000, margin: 6_000 },
    { remainingMs: 300_000, margin: 10_000 },
  ])('a safety margin of $margin ms with $remainingMs ms to go', ({ remainingMs, margin }) => {
    expect(defaultSafetyMarginMs(remainingMs)).toBe(margin);
  });

  it('hands the handler a signal that fires the safety margin before the function timeout', async () => {
    const handler = middy<unknown, string, Error, TimeBudgetContext>()
      .use(timeBudget({ safetyMarginMs: 100 }))
      .handler(async (_event, context) => {
        const signal = context.timeBudget!;
        expect(signal.aborted).toBe(false);
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        return String((signal.reason as Error).message);
      });
    expect(await handler({}, localLambdaContext('fn', 200))).toMatch(/time budget ran out/);
  });

  it('gives no signal without a Lambda clock', async () => {
    const handler = middy<unknown, boolean, Error, TimeBudgetContext>()
      .use(timeBudget())
      .handler(async (_event, context) => context.timeBudget === undefined);
    expect(await handler({}, {} as TimeBudgetContext)).toBe(true);
  });
});

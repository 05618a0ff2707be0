import type { Context } from 'aws-lambda';
import { localLambdaContext } from './lambda-context.js';

export type ScheduledHandler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * Stands in for EventBridge Scheduler: invokes a handler every `periodMs`, never two runs at once
 * (a run that overlaps the next tick skips it, as a rate schedule on a busy function would queue).
 */
export function every(name: string, periodMs: number, handler: ScheduledHandler, onError: (err: unknown) => void): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = handler({ source: 'meshplane.local-schedule', 'detail-type': 'Scheduled Event', detail: { schedule: name } }, localLambdaContext(name))
      .catch(onError)
      .finally(() => {
        running = undefined;
      });
  }, periodMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

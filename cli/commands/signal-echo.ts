/**
 * How long after a stop signal the same signal counts as the same request. `npm start` execs the
 * runtime, and npm passes every SIGINT and SIGTERM it gets on to it: a terminal's Ctrl-C reaches the
 * runtime twice within milliseconds (once from the terminal, once from npm). A person pressing Ctrl-C
 * again to stop waiting does so well after this.
 */
export const SIGNAL_ECHO_MS = 1_000;

/** Whether `signal` at `at` (ms) repeats the stop request `first` rather than asking to exit now. Pure. */
export function isSignalEcho(first: { signal: string; at: number }, signal: string, at: number): boolean {
  return signal === first.signal && at - first.at >= 0 && at - first.at < SIGNAL_ECHO_MS;
}

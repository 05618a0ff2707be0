/**
 * The CLI's exit codes, so scripts and pipelines can tell a rejected release from a broken call:
 * - 0: done (a rollout: promoted);
 * - 1: error (bad input, the API refused or could not be reached, an operation failed);
 * - 2: a watched rollout ended without promoting: rolled back, aborted, failed or superseded;
 * - 3: `--timeout` ran out while the rollout was still running (it keeps running).
 */
export const EXIT = { ok: 0, error: 1, notPromoted: 2, timedOut: 3 } as const;

/** Deployment statuses after which nothing changes any more. */
export const FINAL_DEPLOYMENT_STATUSES = new Set(['promoted', 'rolledBack', 'aborted', 'failed', 'superseded']);

/** The exit code of a watched deployment that ended with `status`. */
export function exitCodeOf(status: string): number {
  return status === 'promoted' ? EXIT.ok : EXIT.notPromoted;
}

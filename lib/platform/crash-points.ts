/**
 * Named crash points at the step boundaries of the use cases, for the crash-point sweep
 * (test/e2e/crash-sweep.e2e.test.ts). `crashPoint(name)` does nothing unless
 * - the process was started with `MESHPLANE_CRASH_AT=<name>`: then the process dies on the spot, as
 *   with kill -9 (no handler, no flush, no clean stop); or
 * - a test armed the name in-process with `armCrashPoint`: then it throws `CrashPointError` once.
 */

/** Thrown at an armed crash point. */
export class CrashPointError extends Error {
  constructor(readonly point: string) {
    super(`crash point ${point}`);
    this.name = 'CrashPointError';
  }
}

const armed = new Set<string>();

export function crashPoint(name: string): void {
  if (process.env.MESHPLANE_CRASH_AT === name) {
    process.stderr.write(`[meshplane] crash point ${name}: killing the process\n`);
    process.kill(process.pid, 'SIGKILL');
  }
  if (armed.delete(name)) throw new CrashPointError(name);
}

/** Makes the next `crashPoint(name)` in this process throw; returns a function that disarms it. */
export function armCrashPoint(name: string): () => void {
  armed.add(name);
  return () => void armed.delete(name);
}

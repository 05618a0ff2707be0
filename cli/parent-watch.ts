import { readFileSync } from 'node:fs';
import { processAlive } from '../lib/platform/process-alive.js';

/**
 * Calls `onGone` once the process that started this one, or the one that started it, has exited.
 * `npm start` runs `sh -c "node …"` (dash does not exec the command), so the runtime's parent is a
 * shell that outlives a `kill -9` of npm: watching the grandparent too is how the runtime notices and
 * stops instead of running on unseen. The grandparent is read from /proc (Linux); elsewhere only the
 * parent is watched (a parent that exits re-parents this process, so `process.ppid` changes).
 */
export function watchParent(onGone: () => void, periodMs = 500): { stop(): void } {
  const parent = process.ppid;
  // Already orphaned (or started by init): there is no parent to outlive.
  if (parent <= 1) return { stop: () => undefined };
  const grandparent = parentOf(parent);
  const timer = setInterval(() => {
    if (process.ppid === parent && (grandparent === undefined || processAlive(grandparent))) return;
    clearInterval(timer);
    onGone();
  }, periodMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** The parent of `pid` from /proc/<pid>/stat, or undefined (no /proc, or init). */
export function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid …; comm may contain spaces and parentheses, so split after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) && ppid > 1 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

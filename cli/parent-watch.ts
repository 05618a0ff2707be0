import { readFileSync } from 'node:fs';
import { processAlive } from '../lib/platform/process-alive.js';

/** Shells a package manager may run a script through (`/proc/<pid>/comm`). */
const SHELLS = new Set(['sh', 'dash', 'bash', 'zsh', 'ash', 'ksh', 'busybox']);

/**
 * Calls `onGone` once the process that started this one has exited. `npm start` execs the runtime
 * (`exec node …`), so its parent is npm; a script run through a shell that does not exec (`sh -c "node …"`)
 * has the shell as its parent, which outlives a `kill -9` of npm: then the shell's parent is watched too.
 * The grandparent is read from /proc (Linux); elsewhere only the parent is watched (a parent that exits
 * re-parents this process, so `process.ppid` changes).
 */
export function watchParent(onGone: () => void, periodMs = 500): { stop(): void } {
  const parent = process.ppid;
  // Already orphaned (or started by init): there is no parent to outlive.
  if (parent <= 1) return { stop: () => undefined };
  const grandparent = isShell(commandOf(parent)) ? parentOf(parent) : undefined;
  const timer = setInterval(() => {
    if (process.ppid === parent && (grandparent === undefined || processAlive(grandparent))) return;
    clearInterval(timer);
    onGone();
  }, periodMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * Whether a process named `comm` is a shell standing between npm and the runtime. Only then is its parent
 * watched: the parent of npm itself is the user's shell, which may exit while npm runs on (`nohup`). Pure.
 */
export function isShell(comm: string | undefined): boolean {
  return comm !== undefined && SHELLS.has(comm.trim());
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

/** The command name of `pid` from /proc/<pid>/comm, or undefined (no /proc, or gone). */
function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8');
  } catch {
    return undefined;
  }
}

import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from '../platform/process-alive.js';

/** The file that says which process runs on a data directory. */
export const LOCK_FILE = 'runtime.pid';

export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `another meshplane runtime (pid ${pid}) uses ${dataDir}: stop it first, or choose another MESHPLANE_DATA_DIR. ` +
        `If no such process is meshplane, delete ${join(dataDir, LOCK_FILE)}.`,
    );
  }
}

export interface DataDirLock {
  /** True when the last process on this directory ended without releasing it (a crash, kill -9). */
  readonly previousOwnerDied: boolean;
  release(): void;
}

/**
 * One runtime per data directory. Two would each load the store and the queues, and overwrite each
 * other's files. Holding the lock also proves that no live process holds a message of the directory's
 * queues in flight, so the emulators may hand those back at once (see startEmulators).
 *
 * A pid file created exclusively: a file left by a process that is gone is taken over (one of two
 * starting processes wins the exclusive create).
 */
export function lockDataDir(dataDir: string, alive: (pid: number) => boolean = processAlive): DataDirLock {
  const path = join(dataDir, LOCK_FILE);
  let previousOwnerDied = false;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return {
        previousOwnerDied,
        release: () => {
          if (ownerOf(path) === process.pid) rmSync(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = ownerOf(path);
      if (owner !== undefined && owner !== process.pid && alive(owner)) throw new DataDirInUseError(dataDir, owner);
      previousOwnerDied = true;
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not take ${path}: another runtime is starting on ${dataDir} at the same time`);
}

function ownerOf(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Saving and loading the simulated cluster's objects as a JSON file (`statePath`). */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { StoreSnapshot } from './object-store.js';

interface SnapshotFile {
  format: 'meshplane-sim/v1';
  savedAt: string;
  store: StoreSnapshot;
}

/** A snapshot file that exists but cannot be used. */
export class SnapshotError extends Error {
  constructor(path: string, reason: string) {
    super(`cannot load simulated cluster state from ${path}: ${reason}`);
    this.name = 'SnapshotError';
  }
}

/** The saved store, or undefined when there is no file at `path`. */
export async function loadSnapshot(path: string): Promise<StoreSnapshot | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let parsed: SnapshotFile;
  try {
    parsed = JSON.parse(text) as SnapshotFile;
  } catch (err) {
    throw new SnapshotError(path, (err as Error).message);
  }
  if (parsed?.format !== 'meshplane-sim/v1' || !Array.isArray(parsed.store?.objects)) throw new SnapshotError(path, 'not a meshplane-sim/v1 snapshot');
  return parsed.store;
}

/** Writes the snapshot atomically (temp file, then rename). */
export async function saveSnapshot(path: string, store: StoreSnapshot, now: number): Promise<void> {
  const file: SnapshotFile = { format: 'meshplane-sim/v1', savedAt: new Date(now).toISOString(), store };
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(file));
  await rename(temp, path);
}

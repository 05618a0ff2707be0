/**
 * Durable state of the simulated cluster: a snapshot file (`statePath`) plus an append-only journal
 * (`<statePath>.journal`, one JSON line per change). Every change the object store commits is written
 * to the journal synchronously, inside the store's change notification, so it is in the file before
 * the API server answers the request that made it: kill -9 loses nothing the cluster acknowledged
 * (with `fsync`, not even a power cut does). The journal is folded into a new snapshot at start, when
 * it grows past a threshold, and on a clean stop.
 *
 * Not journaled: pods owned by a controller. The deployment controller, scheduler and kubelet derive
 * them again from the Deployments after a restart (new names, same templates); journaling them would
 * write every status step of every pod. Nor the events the simulation records (events.ts). ReplicaSets
 * are journaled: their revisions are the Deployments' rollout history.
 */
import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { isSimEvent } from './events.js';
import type { ObjectStore, StoreChange, StoreSnapshot } from './object-store.js';
import { SnapshotError, loadSnapshot } from './snapshot.js';
import { resourceType, typeKey } from './resource-types.js';
import type { KubeObj } from './sim-types.js';

const PODS_KEY = typeKey(resourceType('pods'));

export interface JournalOptions {
  /** fsync after every journal write (survives power loss, not just a killed process). Default false. */
  fsync?: boolean;
  /** Fold the journal into the snapshot once it holds this many bytes. Default 8 MiB. */
  compactBytes?: number;
}

interface JournalEntry {
  rv: number;
  t: StoreChange['type'];
  k: string;
  o: KubeObj;
}

/** The journal path next to a snapshot path. */
export function journalPath(statePath: string): string {
  return `${statePath}.journal`;
}

/** True when a change is derived state that controllers rebuild (a pod with an owner, an event the simulation recorded). */
export function isDerived(change: Pick<StoreChange, 'typeKey' | 'object'>): boolean {
  return (change.typeKey === PODS_KEY && (change.object.metadata.ownerReferences?.length ?? 0) > 0) || isSimEvent(change);
}

function identity(typeKey: string, object: KubeObj): string {
  return `${typeKey}\u0000${object.metadata.namespace ?? ''}\u0000${object.metadata.name}`;
}

/**
 * The snapshot with the journal's changes applied (entries at or below the snapshot's
 * resourceVersion are already in it). A torn last line, from a process killed mid-write, is ignored.
 */
export function replay(snapshot: StoreSnapshot | undefined, journalText: string): StoreSnapshot | undefined {
  const lines = journalText.split('\n').filter((l) => l.trim() !== '');
  if (!snapshot && lines.length === 0) return undefined;
  const objects = new Map<string, { typeKey: string; object: KubeObj }>();
  for (const entry of snapshot?.objects ?? []) objects.set(identity(entry.typeKey, entry.object), entry);
  let resourceVersion = snapshot?.resourceVersion ?? 0;
  const base = resourceVersion;
  lines.forEach((line, i) => {
    let entry: JournalEntry;
    try {
      entry = JSON.parse(line) as JournalEntry;
    } catch (err) {
      if (i === lines.length - 1) return;
      throw new Error(`journal line ${i + 1} is not JSON: ${(err as Error).message}`);
    }
    if (entry.rv <= base) return;
    const key = identity(entry.k, entry.o);
    if (entry.t === 'DELETED') objects.delete(key);
    else objects.set(key, { typeKey: entry.k, object: entry.o });
    resourceVersion = Math.max(resourceVersion, entry.rv);
  });
  return { resourceVersion, objects: [...objects.values()] };
}

/** A snapshot file plus its journal: loaded once at start, then appended to on every change. */
export class DurableState {
  private fd: number | undefined;
  private bytes = 0;
  private unsubscribe: (() => void) | undefined;
  private readonly journal: string;

  private constructor(
    private readonly statePath: string,
    private readonly options: JournalOptions,
    /** What the files held at start (snapshot + journal), or undefined for a new cluster. */
    readonly saved: StoreSnapshot | undefined,
  ) {
    this.journal = journalPath(statePath);
  }

  static async open(statePath: string, options: JournalOptions = {}): Promise<DurableState> {
    const snapshot = await loadSnapshot(statePath);
    let text = '';
    try {
      text = readFileSync(journalPath(statePath), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    let saved: StoreSnapshot | undefined;
    try {
      saved = replay(snapshot, text);
    } catch (err) {
      throw new SnapshotError(journalPath(statePath), (err as Error).message);
    }
    return new DurableState(statePath, options, saved);
  }

  /** Writes the store as the new snapshot, empties the journal and journals every later change. */
  attach(store: ObjectStore, now: () => number): void {
    mkdirSync(dirname(this.statePath), { recursive: true });
    this.fd = openSync(this.journal, 'a');
    this.compact(store, now());
    this.unsubscribe = store.onAnyChange((change) => {
      this.append(change);
      if (this.bytes >= (this.options.compactBytes ?? 8 * 2 ** 20)) this.compact(store, now());
    });
  }

  /** Folds the journal into a snapshot of `store` (atomic: temp file, fsync, rename; then truncate). */
  compact(store: ObjectStore, now: number): void {
    if (this.fd === undefined) return;
    const temp = `${this.statePath}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ format: 'meshplane-sim/v1', savedAt: new Date(now).toISOString(), store: store.snapshot() }));
    const tfd = openSync(temp, 'r+');
    fsyncSync(tfd);
    closeSync(tfd);
    renameSync(temp, this.statePath);
    // A crash between the rename and the truncate leaves entries the snapshot already holds: replay skips them by resourceVersion.
    ftruncateSync(this.fd, 0);
    this.bytes = 0;
  }

  /** Final snapshot and close (clean stop). */
  close(store: ObjectStore, now: number): void {
    if (this.fd === undefined) return;
    this.unsubscribe?.();
    this.compact(store, now);
    closeSync(this.fd);
    this.fd = undefined;
  }

  private append(change: StoreChange): void {
    if (this.fd === undefined || isDerived(change)) return;
    const entry: JournalEntry = { rv: change.resourceVersion, t: change.type, k: change.typeKey, o: change.object };
    const buffer = Buffer.from(`${JSON.stringify(entry)}\n`);
    writeSync(this.fd, buffer);
    if (this.options.fsync) fsyncSync(this.fd);
    this.bytes += buffer.length;
  }
}

import { VersionConflictError } from '../../errors.js';
import { newId } from '../../ids.js';
import type { Clock } from '../../ports/clock.js';
import type { DocumentStore } from '../../ports/document-store.js';

export interface LeaseDeps {
  store: DocumentStore;
  clock: Clock;
}

/** The stored lease (document 'lease'/name): who holds it and until when. */
export interface LeaseRecord {
  holder: string;
  expiresAt: string;
}

export type LeaseOutcome<T> = { ran: true; result: T } | { ran: false; heldBy: string; until: string };

/** Leases that nobody released (a crash) are removed by the table's TTL a day later; expiry alone frees them. */
const LEASE_DOCUMENT_TTL_SECONDS = 86_400;

/**
 * Runs `work` only while holding the lease `name`, so one run of a job (the health probe, the optimizer)
 * happens at a time across every process and container.
 *
 * Taking the lease is a conditional write of its document: on a free lease (none, released, or expired)
 * exactly one caller wins; the others do nothing and learn who holds it until when. The holder releases
 * it when the work ends (thrown or not). A holder that dies keeps it until `ttlMs` has passed, then the
 * next run takes it over. Choose `ttlMs` longer than the work may run (e.g. the function's timeout).
 *
 * @example
 *   const outcome = await withLease(app, 'health-probe', 60_000, () => runHealthProbe(app));
 *   if (!outcome.ran) log.info('another probe run is in progress', outcome);
 */
export async function withLease<T>(deps: LeaseDeps, name: string, ttlMs: number, work: () => Promise<T>): Promise<LeaseOutcome<T>> {
  const holder = newId('lease', deps.clock.now());
  const acquired = await acquireLease(deps, name, holder, ttlMs);
  if (!acquired.ok) return { ran: false, heldBy: acquired.current.holder, until: acquired.current.expiresAt };
  try {
    return { ran: true, result: await work() };
  } finally {
    // A release that keeps failing (throttled) is harmless: the lease expires by itself. It is tried
    // three times, as the next run would otherwise wait for the whole lease.
    for (let attempt = 0; attempt < 3; attempt++) {
      const released = await releaseLease(deps, name, holder, acquired.version).then(
        () => true,
        () => false,
      );
      if (released) break;
    }
  }
}

export interface LeaseWait {
  /** How long to wait in all for the holder to finish. */
  maxWaitMs: number;
  /** How often to look again. */
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * withLease, but a run that finds the lease held waits for it (looking again every `pollMs`) for up to
 * `maxWaitMs` instead of giving up at once. For queued work: a message handed back to its queue counts
 * a receive each time, and a run that only lost the lease to a scheduled run would otherwise use its
 * receives up and end failed.
 */
export async function withLeaseWhenFree<T>(deps: LeaseDeps, name: string, ttlMs: number, work: () => Promise<T>, wait: LeaseWait): Promise<LeaseOutcome<T>> {
  const sleep = wait.sleep ?? realSleep;
  const pollMs = wait.pollMs ?? 1_000;
  let waited = 0;
  for (;;) {
    const outcome = await withLease(deps, name, ttlMs, work);
    if (outcome.ran || waited >= wait.maxWaitMs) return outcome;
    const step = Math.min(pollMs, wait.maxWaitMs - waited);
    await sleep(step);
    waited += step;
  }
}

/** Takes the lease if it is free or expired; on a lost race, reports the winner. */
export async function acquireLease(
  deps: LeaseDeps,
  name: string,
  holder: string,
  ttlMs: number,
): Promise<{ ok: true; version: number } | { ok: false; current: LeaseRecord }> {
  const now = deps.clock.now();
  const existing = await deps.store.getDocument<LeaseRecord>('lease', name);
  if (existing && Date.parse(existing.value.expiresAt) > now.getTime() && existing.value.holder !== holder) return { ok: false, current: existing.value };
  const record: LeaseRecord = { holder, expiresAt: new Date(now.getTime() + ttlMs).toISOString() };
  try {
    const version = await deps.store.putDocument('lease', name, record, existing?.version ?? null, LEASE_DOCUMENT_TTL_SECONDS);
    return { ok: true, version };
  } catch (err) {
    if (!(err instanceof VersionConflictError)) throw err;
    const winner = await deps.store.getDocument<LeaseRecord>('lease', name);
    return { ok: false, current: winner?.value ?? record };
  }
}

/** Frees the lease at once, unless somebody took it over after it expired (then it is theirs). */
export async function releaseLease(deps: LeaseDeps, name: string, holder: string, version: number): Promise<void> {
  const released: LeaseRecord = { holder, expiresAt: new Date(0).toISOString() };
  await deps.store.putDocument('lease', name, released, version, LEASE_DOCUMENT_TTL_SECONDS).catch((err) => {
    if (!(err instanceof VersionConflictError)) throw err;
  });
}

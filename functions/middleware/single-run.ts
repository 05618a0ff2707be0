import type middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { newId } from '../../lib/ids.js';
import { acquireLease, releaseLease, type LeaseDeps } from '../../lib/usecases/shared/lease.js';

/** Margin beyond the invocation's deadline before another run may take the lease over. */
const LEASE_MARGIN_MS = 10_000;

/**
 * One run of a scheduled job at a time (across containers and the local runtime): the handler runs only
 * while it holds the lease `name`; a run that finds it held returns `{ skipped }` at once and changes
 * nothing. The lease lasts the invocation's remaining time plus a margin, so a holder that dies
 * (or a local run past its deadline) is taken over once that has passed; it is released when the
 * handler ends, thrown or not.
 */
export function singleRun(deps: LeaseDeps, name: string, fallbackTtlMs = 60_000): middy.MiddlewareObj<unknown, unknown, Error, Context> {
  const held = new WeakMap<object, { holder: string; version: number }>();
  const release = async (request: middy.Request<unknown, unknown, Error, Context>) => {
    const lease = held.get(request);
    if (!lease) return;
    held.delete(request);
    await releaseLease(deps, name, lease.holder, lease.version).catch(() => undefined);
  };
  return {
    before: async (request) => {
      const remaining = request.context?.getRemainingTimeInMillis?.();
      const ttlMs = (remaining && remaining > 0 ? remaining : fallbackTtlMs) + LEASE_MARGIN_MS;
      const holder = newId('run', deps.clock.now());
      const acquired = await acquireLease(deps, name, holder, ttlMs);
      if (!acquired.ok) return { skipped: `another ${name} run holds the lease`, heldBy: acquired.current.holder, until: acquired.current.expiresAt };
      held.set(request, { holder, version: acquired.version });
      return undefined;
    },
    after: async (request) => {
      await release(request);
    },
    onError: async (request) => {
      await release(request);
    },
  };
}

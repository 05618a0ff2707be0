/**
 * Leases on the real store (dynalite through the DynamoDB adapter): one holder at a time, a second run
 * does nothing while the first holds it, takeover after expiry, release at the end. The same through the
 * `singleRun` middleware that wraps the health probe and the optimizer handlers.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { singleRun } from '../../../../functions/middleware/single-run.js';
import type { App } from '../../../../lib/composition/create-app.js';
import { localLambdaContext } from '../../../../lib/local/lambda-context.js';
import { acquireLease, withLease, withLeaseWhenFree, type LeaseRecord } from '../../../../lib/usecases/shared/lease.js';
import { ManualClock } from '../../../support/clock.js';
import { useTestStack } from '../../../support/local-stack.js';

const stack = useTestStack();
let app: App;
const clock = new ManualClock();

beforeAll(async () => {
  app = stack().createApp({ clock });
});

/** A job that runs until told to finish, counting how many runs did work. */
function gatedJob() {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const job = {
    runs: 0,
    finish: () => open(),
    work: async () => {
      job.runs++;
      await gate;
      return 'done';
    },
  };
  return job;
}

describe('withLease', () => {
  it('runs one holder at a time: a second run while the first holds the lease does nothing', async () => {
    const job = gatedJob();
    const first = withLease(app, 'job-a', 60_000, job.work);
    await expect.poll(() => job.runs).toBe(1);
    const second = await withLease(app, 'job-a', 60_000, job.work);
    expect(second.ran).toBe(false);
    job.finish();
    expect(await first).toEqual({ ran: true, result: 'done' });
    expect(job.runs).toBe(1);
    // Released at the end: the next run goes ahead.
    expect((await withLease(app, 'job-a', 60_000, async () => 'again')).ran).toBe(true);
  });

  it('of many concurrent runs, exactly one takes a free lease', async () => {
    const job = gatedJob();
    const runs = Array.from({ length: 8 }, () => withLease(app, 'job-b', 60_000, job.work));
    await expect.poll(() => job.runs).toBe(1);
    job.finish();
    const outcomes = await Promise.all(runs);
    expect(outcomes.filter((o) => o.ran)).toHaveLength(1);
    expect(job.runs).toBe(1);
  });

  it('is taken over after it expires when its holder died without releasing', async () => {
    const dead = await acquireLease(app, 'job-c', 'a-holder-that-crashed', 30_000);
    expect(dead.ok).toBe(true);
    expect((await withLease(app, 'job-c', 30_000, async () => 'x')).ran).toBe(false);
    clock.advance(30_001);
    expect(await withLease(app, 'job-c', 30_000, async () => 'x')).toEqual({ ran: true, result: 'x' });
    const stored = await app.store.getDocument<LeaseRecord>('lease', 'job-c');
    expect(Date.parse(stored!.value.expiresAt)).toBeLessThanOrEqual(clock.now().getTime());
  });

  it('is released when the work throws', async () => {
    await expect(withLease(app, 'job-d', 60_000, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect((await withLease(app, 'job-d', 60_000, async () => 'ok')).ran).toBe(true);
  });
});

describe('withLeaseWhenFree (a queued run)', () => {
  it('waits for the holder to finish instead of giving up, looking again at every poll', async () => {
    const holder = gatedJob();
    const first = withLease(app, 'job-w', 60_000, holder.work);
    await expect.poll(() => holder.runs).toBe(1);
    const sleeps: number[] = [];
    const waiting = await withLeaseWhenFree(app, 'job-w', 60_000, async () => 'mine', {
      maxWaitMs: 10_000,
      pollMs: 1_000,
      // The holder finishes while the waiting run sleeps its second poll.
      sleep: async (ms) => {
        sleeps.push(ms);
        if (sleeps.length === 2) {
          holder.finish();
          await first;
        }
      },
    });
    expect(waiting).toEqual({ ran: true, result: 'mine' });
    expect(sleeps).toEqual([1_000, 1_000]);
  });

  it('gives up after maxWaitMs, saying who holds the lease until when', async () => {
    const holder = gatedJob();
    const first = withLease(app, 'job-x', 60_000, holder.work);
    await expect.poll(() => holder.runs).toBe(1);
    const sleeps: number[] = [];
    const outcome = await withLeaseWhenFree(app, 'job-x', 60_000, async () => 'mine', {
      maxWaitMs: 2_500,
      pollMs: 1_000,
      sleep: async (ms) => void sleeps.push(ms),
    });
    expect(outcome).toMatchObject({ ran: false, heldBy: expect.any(String), until: expect.any(String) });
    expect(sleeps).toEqual([1_000, 1_000, 500]);
    holder.finish();
    await first;
  });
});

describe('singleRun (the scheduled handlers)', () => {
  it('skips a second invocation while the first runs, and takes over after the first one expired', async () => {
    const job = gatedJob();
    const handler = middy<unknown, unknown, Error, Context>().use(singleRun(app, 'probe-like')).handler(job.work);
    const first = handler({}, localLambdaContext('probe-like', 50_000));
    await expect.poll(() => job.runs).toBe(1);
    expect(await handler({}, localLambdaContext('probe-like', 50_000))).toMatchObject({ skipped: expect.stringContaining('probe-like') });
    expect(job.runs).toBe(1);

    // The first run is past its deadline plus the margin (it hung): the next one takes over.
    clock.advance(61_000);
    const takeover = handler({}, localLambdaContext('probe-like', 50_000));
    await expect.poll(() => job.runs).toBe(2);
    job.finish();
    expect(await first).toBe('done');
    expect(await takeover).toBe('done');
    // The hung run's late release does not free the lease the second run took (it was released by it already).
    expect(await handler({}, localLambdaContext('probe-like', 50_000))).toBe('done');
  });
});

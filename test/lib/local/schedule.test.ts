/** The local stand-in for EventBridge Scheduler never starts a run while the previous one is still going. */
import { describe, expect, it } from 'vitest';
import { every } from '../../../lib/local/schedule.js';

describe('every', () => {
  it('skips ticks while a run is going, and runs again once it ended', async () => {
    let started = 0;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const timer = every(
      'job',
      10,
      async () => {
        started++;
        if (started === 1) await gate;
      },
      () => undefined,
    );
    await expect.poll(() => started).toBe(1);
    // Many ticks pass while the first run hangs: none of them starts another.
    await new Promise((r) => setTimeout(r, 200));
    expect(started).toBe(1);
    open();
    await expect.poll(() => started).toBeGreaterThan(1);
    await timer.stop();
  });
});

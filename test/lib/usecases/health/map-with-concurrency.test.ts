import { describe, expect, it } from 'vitest';
import { mapWithConcurrency } from '../../../../lib/usecases/health/map-with-concurrency.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('mapWithConcurrency', () => {
  it.each([
    { items: 20, limit: 8, peak: 8 },
    { items: 3, limit: 8, peak: 3 },
    { items: 5, limit: 1, peak: 1 },
  ])('$items items, at most $limit at a time: results in input order, $peak at the peak', async ({ items, limit, peak }) => {
    let inFlight = 0;
    let seenPeak = 0;
    // Later items finish first, so completion order differs from input order.
    const results = await mapWithConcurrency(
      Array.from({ length: items }, (_, i) => i),
      limit,
      async (item, index) => {
        inFlight++;
        seenPeak = Math.max(seenPeak, inFlight);
        await tick(items - index);
        inFlight--;
        return item * 10;
      },
    );
    expect(results).toEqual(Array.from({ length: items }, (_, i) => i * 10));
    expect(seenPeak).toBe(peak);
  });

  it('an empty list gives an empty result without calling fn', async () => {
    expect(
      await mapWithConcurrency([], 4, async () => {
        throw new Error('not called');
      }),
    ).toEqual([]);
  });

  it('rejects with the first error', async () => {
    await expect(
      mapWithConcurrency([1, 2, 3], 2, async (n) => {
        if (n === 2) throw new Error('item 2 failed');
        return n;
      }),
    ).rejects.toThrow('item 2 failed');
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a limit of %s', async (limit) => {
    await expect(mapWithConcurrency([1], limit, async (n) => n)).rejects.toThrow(RangeError);
  });
});

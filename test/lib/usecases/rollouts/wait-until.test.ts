import { describe, expect, it } from 'vitest';
import { waitUntil } from '../../../../lib/usecases/rollouts/wait-until.js';

describe('waitUntil', () => {
  it('returns the first defined value, polling until then', async () => {
    let calls = 0;
    const value = await waitUntil(async () => (++calls >= 3 ? 'ready' : undefined), 2_000, 5);
    expect(value).toBe('ready');
    expect(calls).toBe(3);
  });

  it('gives up with undefined at the deadline, after checking at least once', async () => {
    let calls = 0;
    const started = Date.now();
    const value = await waitUntil(
      async () => {
        calls++;
        return undefined;
      },
      50,
      10,
    );
    expect(value).toBeUndefined();
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('checks once with a zero timeout', async () => {
    let calls = 0;
    await waitUntil(async () => {
      calls++;
      return undefined;
    }, 0);
    expect(calls).toBe(1);
  });
});

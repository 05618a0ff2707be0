/** The emulator front's item locks: other items go ahead while one is held; one item's sections run in order. */
import { describe, expect, it } from 'vitest';
import { KeyLocks } from '../../../lib/local/dynalite-with-transactions.js';

describe('KeyLocks', () => {
  it('lets a write to another item run while one item is locked, and queues writes to the locked item', async () => {
    const locks = new KeyLocks();
    const order: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const holding = locks.run(['t|a'], async () => {
      order.push('a1 start');
      await gate;
      order.push('a1 end');
    });
    const sameItem = locks.run(['t|a', 't|c'], async () => void order.push('a2+c'));
    await locks.run(['t|b'], async () => void order.push('b'));
    expect(order).toEqual(['a1 start', 'b']);
    open();
    await Promise.all([holding, sameItem]);
    expect(order).toEqual(['a1 start', 'b', 'a1 end', 'a2+c']);
    expect(locks.size).toBe(0);
  });

  it('releases a key when its section throws', async () => {
    const locks = new KeyLocks();
    await expect(locks.run(['k'], async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await locks.run(['k'], async () => 'next')).toBe('next');
  });
});

import { describe, expect, it } from 'vitest';
import { CachedToken } from '../../../../lib/adapters/kubernetes/cached-token.js';

const MINUTE = 60_000;

function counterMint(): { mint: () => Promise<string>; count: () => number } {
  let n = 0;
  return { mint: async () => `token-${++n}`, count: () => n };
}

describe('CachedToken', () => {
  it('reuses a token for 14 minutes and mints a new one after', async () => {
    let now = 0;
    const source = counterMint();
    const cache = new CachedToken(source.mint, { reuseForMs: 14 * MINUTE, now: () => now });

    expect(await cache.get()).toBe('token-1');
    now = 14 * MINUTE - 1;
    expect(await cache.get()).toBe('token-1');
    now = 14 * MINUTE;
    expect(await cache.get()).toBe('token-2');
    expect(source.count()).toBe(2);
  });

  it('shares one mint between concurrent callers', async () => {
    const source = counterMint();
    const cache = new CachedToken(source.mint, { reuseForMs: MINUTE, now: () => 0 });
    const tokens = await Promise.all([cache.get(), cache.get(), cache.get()]);
    expect(tokens).toEqual(['token-1', 'token-1', 'token-1']);
    expect(source.count()).toBe(1);
  });

  it('does not cache a failed mint', async () => {
    let fail = true;
    const cache = new CachedToken(
      async () => {
        if (fail) throw new Error('sts down');
        return 'ok';
      },
      { reuseForMs: MINUTE, now: () => 0 },
    );
    await expect(cache.get()).rejects.toThrow('sts down');
    fail = false;
    await expect(cache.get()).resolves.toBe('ok');
  });

  it('mints again after invalidate', async () => {
    const source = counterMint();
    const cache = new CachedToken(source.mint, { reuseForMs: MINUTE, now: () => 0 });
    await cache.get();
    cache.invalidate();
    expect(await cache.get()).toBe('token-2');
  });
});

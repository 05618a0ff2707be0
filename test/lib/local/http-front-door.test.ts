/**
 * The local front door under overload, driven for real over HTTP: beyond its write slots it answers 429
 * with Retry-After at once instead of queueing; reads have their own slots and answer while every write
 * slot is taken; a request past the timeout is answered 503 with Retry-After, never left hanging.
 * The handler is a stand-in API that hangs on `/slow` until released (the front door's behaviour is the
 * subject, not the API's).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHttpFrontDoor, type ApiHandler } from '../../../lib/local/http-front-door.js';

let release: () => void = () => undefined;
let stopDoor: (() => Promise<void>) | undefined;

afterEach(async () => {
  release();
  await stopDoor?.();
  stopDoor = undefined;
});

/** Hangs on /slow until `release()`; answers everything else at once. */
function hangingApi(): ApiHandler {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  release = open;
  return async (event) => {
    if (event.rawPath === '/slow') await gate;
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: event.rawPath }) };
  };
}

async function start(limits: Parameters<typeof startHttpFrontDoor>[3]) {
  const door = await startHttpFrontDoor(hangingApi(), 0, '127.0.0.1', limits);
  stopDoor = door.stop;
  return door.url;
}

describe('HTTP front door limits', () => {
  it('answers 429 with Retry-After beyond its write slots, and reads still answer', async () => {
    const url = await start({ maxWrites: 3, maxReads: 3, retryAfterSeconds: 2 });
    const held = Array.from({ length: 3 }, () => fetch(`${url}/slow`, { method: 'POST', body: '{}' }));
    // The three slow writes are in the handler once a fourth write is turned away.
    await expect.poll(async () => (await fetch(`${url}/other`, { method: 'POST', body: '{}' })).status).toBe(429);
    const turnedAway = await fetch(`${url}/other`, { method: 'POST', body: '{}' });
    expect(turnedAway.status).toBe(429);
    expect(turnedAway.headers.get('retry-after')).toBe('2');
    expect(((await turnedAway.json()) as { error: { code: string } }).error.code).toBe('TOO_MANY_REQUESTS');

    const read = await fetch(`${url}/v1/services`);
    expect(read.status).toBe(200);

    release();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200, 200]);
    // Slots are given back: writes are taken again.
    expect((await fetch(`${url}/other`, { method: 'POST', body: '{}' })).status).toBe(200);
  });

  it('answers 503 with Retry-After when a request runs past its timeout', async () => {
    const url = await start({ requestTimeoutMs: 200, retryAfterSeconds: 1 });
    const res = await fetch(`${url}/slow`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('TIMEOUT');
  });

  it("answers 503 with Retry-After when the handler's own timeout fires (middy's TimeoutError), not 500", async () => {
    // A stand-in for the API function timing out: middy rejects with an error named TimeoutError.
    const timingOut: ApiHandler = async () => {
      throw Object.assign(new Error('[AbortError]: The operation was aborted.'), { name: 'TimeoutError' });
    };
    const door = await startHttpFrontDoor(timingOut, 0, '127.0.0.1', { retryAfterSeconds: 2 });
    stopDoor = door.stop;
    const res = await fetch(`${door.url}/v1/services`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('TIMEOUT');
  });
});

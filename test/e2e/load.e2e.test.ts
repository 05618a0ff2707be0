/**
 * Issue 12, findings 1 and 8, on the real local stack (API over HTTP, queues, DynamoDB, simulated
 * cluster): concurrent creates of one name are one 202 and 409s, the name can be taken again after the
 * service is gone, and reads answer while a burst of writes runs. End states only, no timings.
 */
import { describe, expect, it } from 'vitest';
import { useE2eRuntime } from './support/e2e-runtime.js';

const rt = useE2eRuntime();

const spec = (name: string) => ({ name, image: `registry.example.com/load/${name}:1.0.0`, port: 8080, replicas: 1 });

describe('idempotent creation (issue 12, finding 8)', () => {
  it('answers 10 identical concurrent creates of a new name with one 202 and nine 409', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => rt().api.request('POST', '/v1/services', spec('twin-service'))));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([202, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    for (const rejected of answers.filter((a) => a.status === 409)) expect(rejected.body.error.code).toBe('ALREADY_EXISTS');

    const accepted = answers.find((a) => a.status === 202)!;
    await rt().api.succeeded(accepted.body);
    // Still taken once registered.
    expect((await rt().api.request('POST', '/v1/services', spec('twin-service'))).status).toBe(409);
  });

  it('frees the name when the service is deregistered: it can be registered again, once', async () => {
    await rt().api.deregister('twin-service');
    const again = await Promise.all(Array.from({ length: 5 }, () => rt().api.request('POST', '/v1/services', spec('twin-service'))));
    expect(again.map((a) => a.status).sort()).toEqual([202, 409, 409, 409, 409]);
    await rt().api.succeeded(again.find((a) => a.status === 202)!.body);
    expect((await rt().api.service('twin-service')).name).toBe('twin-service');
  });
});

describe('reads during a write burst (issue 12, finding 1)', () => {
  it('answers every read while 30 registrations are accepted and processed, and every accepted one ends', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `burst-${i}`);
    const reads: number[] = [];
    let writing = true;
    const reader = (async () => {
      while (writing) {
        const [list, one] = await Promise.all([rt().api.request('GET', '/v1/services?limit=20'), rt().api.request('GET', '/v1/services/twin-service')]);
        reads.push(list.status, one.status);
      }
    })();
    const writes = await Promise.all(names.map((name) => rt().api.request('POST', '/v1/services', spec(name))));
    const accepted = writes.filter((w) => w.status === 202);
    // Over the front door's limit a write is turned away with 429, never a 5xx.
    expect(writes.every((w) => w.status === 202 || w.status === 429)).toBe(true);
    expect(accepted.length).toBeGreaterThan(0);
    const ended = await Promise.all(accepted.map((a) => rt().api.waitForOperation(a.body.operationId, 400_000)));
    writing = false;
    await reader;
    expect(ended.every((op) => op.status === 'succeeded')).toBe(true);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((s) => s === 200)).toBe(true);
  }, 480_000);
});

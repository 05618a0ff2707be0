import { describe, expect, it } from 'vitest';
import { specHash } from '../../../lib/mesh/spec-hash.js';
import { orderService, spec } from './fixtures.js';

describe('specHash', () => {
  it('is 16 lower-case hex digits', () => {
    expect(specHash(orderService)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('ignores the declaration order of env and dependencies', () => {
    const a = spec({
      name: 'a',
      image: 'a:1',
      port: 80,
      env: { X: '1', Y: '2' },
      dependencies: [
        { service: 'b', rps: 1 },
        { service: 'c', rps: 2 },
      ],
    });
    const b = spec({
      name: 'a',
      image: 'a:1',
      port: 80,
      env: { Y: '2', X: '1' },
      dependencies: [
        { service: 'c', rps: 2 },
        { service: 'b', rps: 1 },
      ],
    });
    expect(specHash(b)).toBe(specHash(a));
  });

  it('equals for a spec written out in full and one relying on defaults', () => {
    const implicit = spec({ name: 'a', image: 'a:1', port: 80 });
    const explicit = spec({ name: 'a', namespace: 'default', image: 'a:1', port: 80, servicePort: 80, replicas: 2 });
    expect(specHash(explicit)).toBe(specHash(implicit));
  });

  it.each([
    ['image', { image: 'registry.example.com/shop/order-service:2.0.1' }],
    ['replicas', { replicas: 4 }],
    ['an env value', { env: { ...orderService.env, LOG_LEVEL: 'debug' } }],
    ['a dependency rate', { dependencies: [{ service: 'user-service', rps: 51 }] }],
    ['the timeout', { mesh: { ...orderService.mesh, timeoutMs: 5001 } }],
    ['the order of rollout steps', { rollout: { ...orderService.rollout, steps: [...orderService.rollout.steps].reverse() } }],
  ])('changes when %s changes', (_what, change) => {
    expect(specHash({ ...orderService, ...change })).not.toBe(specHash(orderService));
  });
});

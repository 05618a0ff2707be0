import { describe, expect, it } from 'vitest';
import { mergeTraffic } from '../../../lib/placement/traffic.js';

const services = [
  {
    name: 'web',
    dependencies: [
      { service: 'api', rps: 100 },
      { service: 'cdn', rps: 5 },
    ],
  },
  { name: 'api', dependencies: [{ service: 'db', rps: 80 }] },
  { name: 'db', dependencies: [] },
];

describe('mergeTraffic', () => {
  it('uses declared rates where nothing was observed and observed rates where present', () => {
    const { edges } = mergeTraffic(services, [{ from: 'api', to: 'db', rps: 140, bytesPerRequest: 900 }]);
    expect(edges).toEqual([
      { from: 'api', to: 'db', rps: 140, bytesPerRequest: 900 },
      { from: 'web', to: 'api', rps: 100 },
    ]);
  });

  it('adds observed calls nobody declared', () => {
    const { edges } = mergeTraffic(services, [{ from: 'db', to: 'web', rps: 3 }]);
    expect(edges).toContainEqual({ from: 'db', to: 'web', rps: 3 });
  });

  it('sums repeated observations and averages their sizes by rate', () => {
    const { edges } = mergeTraffic(services, [
      { from: 'web', to: 'api', rps: 30, bytesPerRequest: 1000 },
      { from: 'web', to: 'api', rps: 10, bytesPerRequest: 3000 },
    ]);
    expect(edges.find((e) => e.from === 'web')).toEqual({ from: 'web', to: 'api', rps: 40, bytesPerRequest: 1500 });
  });

  it('drops calls to services outside the instance and calls to self', () => {
    const { edges, dropped } = mergeTraffic(services, [{ from: 'api', to: 'api', rps: 9 }]);
    expect(edges.some((e) => e.to === 'cdn' || e.from === e.to)).toBe(false);
    expect(dropped).toEqual([
      { from: 'web', to: 'cdn', reason: 'unknownService' },
      { from: 'api', to: 'api', reason: 'selfCall' },
    ]);
  });
});

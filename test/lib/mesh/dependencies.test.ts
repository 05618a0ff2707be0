import { describe, expect, it } from 'vitest';
import { dependenciesAnnotation, resolveDependencies } from '../../../lib/mesh/dependencies.js';

describe('resolveDependencies', () => {
  const spec = {
    namespace: 'shop',
    dependencies: [
      { service: 'pricing', rps: 1 },
      { service: 'inventory', rps: 2 },
      { service: 'not-yet', rps: 3 },
      { service: 'everywhere', rps: 4 },
    ],
  };
  const registered = [
    { name: 'pricing', namespace: 'catalog' },
    { name: 'pricing', namespace: 'archive' },
    { name: 'inventory', namespace: 'shop' },
    { name: 'inventory', namespace: 'archive' },
    { name: 'everywhere', namespace: 'zzz' },
    { name: 'everywhere', namespace: 'shop' },
    { name: 'unrelated', namespace: 'shop' },
  ];

  it('prefers the own namespace, then the alphabetically first, and assumes the own namespace for unknown names', () => {
    expect(resolveDependencies(spec, registered)).toEqual([
      { name: 'pricing', namespace: 'archive' },
      { name: 'inventory', namespace: 'shop' },
      { name: 'not-yet', namespace: 'shop' },
      { name: 'everywhere', namespace: 'shop' },
    ]);
  });

  it('returns nothing for a service without dependencies', () => {
    expect(resolveDependencies({ namespace: 'shop', dependencies: [] }, registered)).toEqual([]);
  });
});

describe('dependenciesAnnotation', () => {
  it.each([
    [[], '[]'],
    [
      [
        { service: 'b', rps: 2.5 },
        { service: 'a', rps: 10 },
      ],
      '[{"service":"a","rps":10},{"service":"b","rps":2.5}]',
    ],
  ])('%j → %s', (deps, text) => {
    expect(dependenciesAnnotation(deps)).toBe(text);
  });
});

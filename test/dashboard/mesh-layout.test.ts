/** The mesh graph's layout (browser code, pure): columns by call depth, one box per group. */
import { describe, expect, it } from 'vitest';
import { callDepth, CELL, layoutMesh } from '../../dashboard/src/mesh-layout.js';

describe('callDepth', () => {
  it('puts every service one column right of its deepest caller', () => {
    const depth = callDepth(
      ['web', 'orders', 'users', 'db'],
      [
        { from: 'web', to: 'orders' },
        { from: 'web', to: 'users' },
        { from: 'orders', to: 'users' },
        { from: 'users', to: 'db' },
      ],
    );
    expect(Object.fromEntries(depth)).toEqual({ web: 0, orders: 1, users: 2, db: 3 });
  });

  it('ends on cycles and ignores calls to unknown services', () => {
    const depth = callDepth(
      ['a', 'b', 'c'],
      [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
        { from: 'c', to: 'b' },
        { from: 'a', to: 'gone' },
      ],
    );
    expect(depth.get('a')).toBe(0);
    expect(depth.get('b')).toBe(1);
    expect(depth.size).toBe(3);
  });
});

describe('layoutMesh', () => {
  it('places groups side by side without overlap, each service inside its group box', () => {
    const services = Array.from({ length: 60 }, (_, i) => ({ name: `s${i}`, group: i % 3 === 0 ? 'zone-a' : 'zone-b' }));
    const edges = services.slice(1).map((s, i) => ({ from: services[i].name, to: s.name }));
    const { positions, groups } = layoutMesh({ services, edges });
    expect(positions.size).toBe(60);
    const seen = new Set([...positions.values()].map((p) => `${p.x},${p.y}`));
    expect(seen.size).toBe(60);
    for (const s of services) {
      const p = positions.get(s.name)!;
      const box = groups.get(s.group)!;
      expect(Math.abs(p.x - box.x)).toBeLessThanOrEqual(box.width / 2);
      expect(Math.abs(p.y - box.y)).toBeLessThanOrEqual(box.height / 2);
    }
    const [a, b] = [groups.get('zone-a')!, groups.get('zone-b')!];
    expect(a.x + a.width / 2 + CELL.groupGap - CELL.width / 2).toBeLessThanOrEqual(b.x - b.width / 2 + 1);
  });

  it('lays out 1,000 services and 2,000 calls', () => {
    const services = Array.from({ length: 1_000 }, (_, i) => ({ name: `s${i}`, group: `z${i % 3}` }));
    const edges = Array.from({ length: 2_000 }, (_, i) => ({ from: `s${i % 1_000}`, to: `s${(i * 7 + 13) % 1_000}` }));
    expect(layoutMesh({ services, edges }).positions.size).toBe(1_000);
  });
});

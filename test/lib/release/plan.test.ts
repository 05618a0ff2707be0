import { describe, expect, it } from 'vitest';
import type { CallEdge } from '../../../lib/model/release.js';
import { describeCycle, planRelease } from '../../../lib/release/plan.js';

const edges = (...pairs: string[]): CallEdge[] =>
  pairs.map((p) => {
    const [from, to] = p.split('>');
    return { from, to };
  });

describe('planRelease: levels by the call graph, callees first', () => {
  it.each([
    { name: 'a chain', items: ['frontend', 'api', 'db'], declared: edges('frontend>api', 'api>db'), levels: [['db'], ['api'], ['frontend']] },
    { name: 'independent items in one level, in request order', items: ['b', 'a', 'c'], declared: [], levels: [['b', 'a', 'c']] },
    {
      name: 'a diamond: both middles in parallel',
      items: ['top', 'left', 'right', 'bottom'],
      declared: edges('top>left', 'top>right', 'left>bottom', 'right>bottom'),
      levels: [['bottom'], ['left', 'right'], ['top']],
    },
    {
      name: 'through a service the release does not touch',
      items: ['frontend', 'api'],
      declared: edges('frontend>gateway', 'gateway>api'),
      levels: [['api'], ['frontend']],
    },
    {
      name: 'a level is one more than the deepest callee',
      items: ['a', 'b', 'c', 'd'],
      declared: edges('a>d', 'a>b', 'b>c', 'c>d'),
      levels: [['d'], ['c'], ['b'], ['a']],
    },
    { name: 'edges among unreleased services do not matter', items: ['x'], declared: edges('p>q', 'q>p'), levels: [['x']] },
    {
      name: 'a cycle through one released service only does not block',
      items: ['a', 'b'],
      declared: edges('a>x', 'x>a', 'b>a'),
      levels: [['a'], ['b']],
    },
  ])('$name', ({ items, declared, levels }) => {
    expect(planRelease(items, declared)).toEqual({ ok: true, levels, ignored: [] });
  });

  it.each([
    { name: 'two services calling each other', items: ['a', 'b'], declared: edges('a>b', 'b>a'), cycle: ['a', 'b', 'a'] },
    { name: 'a longer cycle, named in full', items: ['a', 'c'], declared: edges('a>b', 'b>c', 'c>a'), cycle: ['a', 'b', 'c', 'a'] },
  ])('a declared cycle: $name', ({ items, declared, cycle }) => {
    expect(planRelease(items, declared)).toEqual({ ok: false, cycle });
    expect(describeCycle(cycle)).toBe(cycle.join(' → '));
  });

  it('adds observed call edges that order items the declarations do not', () => {
    expect(planRelease(['web', 'search'], [], edges('web>search'))).toEqual({ ok: true, levels: [['search'], ['web']], ignored: [] });
  });

  it('leaves out an observed edge that would close a cycle, and says which', () => {
    const plan = planRelease(['frontend', 'api'], edges('frontend>api'), edges('api>frontend'));
    expect(plan).toEqual({ ok: true, levels: [['api'], ['frontend']], ignored: [{ from: 'api', to: 'frontend', cycle: ['frontend', 'api', 'frontend'] }] });
  });

  it('ignores self-calls and observed edges already declared', () => {
    expect(planRelease(['a', 'b'], edges('a>b', 'a>a'), edges('a>b', 'b>b'))).toEqual({ ok: true, levels: [['b'], ['a']], ignored: [] });
  });
});

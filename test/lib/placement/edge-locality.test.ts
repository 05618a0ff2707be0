import { describe, expect, it } from 'vitest';
import { edgeLocality } from '../../../lib/placement/edge-locality.js';
import { BYTES_PER_GB, DEFAULT_BYTES_PER_REQUEST, SECONDS_PER_MONTH } from '../../../lib/placement/model.js';

const monthlyGB = (rps: number) => (rps * DEFAULT_BYTES_PER_REQUEST * SECONDS_PER_MONTH) / BYTES_PER_GB;

describe('edgeLocality', () => {
  it.each([
    ['both sides in one zone', { a: 3 }, { a: 2 }, 0],
    ['disjoint zones', { a: 2 }, { b: 2 }, 1],
    ['evenly over the same three zones', { a: 1, b: 1, c: 1 }, { a: 1, b: 1, c: 1 }, 2 / 3],
    ['the doc example', { a: 2, b: 1 }, { a: 1, b: 1, c: 1 }, 2 / 3],
    ['caller in a, callee half in a', { a: 1 }, { a: 1, b: 1 }, 0.5],
  ])('%s', (_, caller, callee, share) => {
    const cost = edgeLocality(100, caller, callee)!;
    expect(cost.crossZoneShare).toBeCloseTo(share, 10);
    // $0.02 per GB crossing a zone (DEFAULT_DISTANCES.crossZone).
    expect(cost.dollarsPerMonth).toBeCloseTo(monthlyGB(100) * share * 0.02, 6);
  });

  it('says nothing while either side has no pods', () => {
    expect(edgeLocality(10, {}, { a: 1 })).toBeUndefined();
    expect(edgeLocality(10, { a: 1 }, {})).toBeUndefined();
  });

  it('counts every call as crossing when the services run in different clusters', () => {
    expect(edgeLocality(10, { a: 1 }, { a: 1 }, { sameCluster: false })!.crossZoneShare).toBe(1);
  });
});

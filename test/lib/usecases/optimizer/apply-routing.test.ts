import { describe, expect, it } from 'vitest';
import { describeRouting, routingState, zoneRegions } from '../../../../lib/usecases/optimizer/apply-routing.js';
import { node } from './placement-fixtures.js';

describe('what an optimizer run stores for a routing decision', () => {
  it("reads each zone's region from its nodes' labels, leaving out zones without one", () => {
    const nodes = [
      { ...node('a1', 'zone-a'), labels: { 'topology.kubernetes.io/region': 'r1' } },
      { ...node('b1', 'zone-b'), labels: { 'topology.kubernetes.io/region': 'r1' } },
      node('c1', 'zone-c'),
    ];
    expect(zoneRegions(nodes)).toEqual({ 'zone-a': 'r1', 'zone-b': 'r1' });
  });

  it('keeps the regions of the zones the decision names only', () => {
    const regions = { a: 'r1', b: 'r1', c: 'r1' };
    expect(routingState({ mode: 'distribute', distribute: [{ from: 'a', to: { a: 70, b: 30 } }] }, 'opt-1', regions)).toEqual({
      runId: 'opt-1',
      mode: 'distribute',
      distribute: [{ from: 'a', to: { a: 70, b: 30 } }],
      regions: { a: 'r1', b: 'r1' },
    });
    expect(routingState({ mode: 'preferSameZone' }, 'opt-1', regions)).toEqual({ runId: 'opt-1', mode: 'preferSameZone' });
  });

  it('says in the audit trail where calls go', () => {
    expect(describeRouting({ mode: 'distribute', distribute: [{ from: 'a', to: { a: 70, b: 30 } }] })).toBe('from a: 70% a, 30% b');
    expect(describeRouting({ mode: 'uniform' })).toBe('round-robin over every zone');
  });
});

import { describe, expect, it } from 'vitest';
import { stalePinReason } from '../../../../lib/usecases/optimizer/release-stale-pins.js';
import { node, pod, service } from './placement-fixtures.js';

const pinned = service('api', { replicas: 2 }, { placement: { runId: 'opt-1', requiredNodes: ['a1', 'b1'] } });
const NODES = [node('a1', 'zone-a'), node('b1', 'zone-b'), node('c1', 'zone-c')];

describe('stalePinReason', () => {
  it.each([
    ['pins that hold', pinned, NODES, [pod('api', 'a1'), pod('api', 'b1')], undefined],
    ['no pin at all', service('api'), [], [pod('api', undefined)], undefined],
    ['a pinned node that was replaced (gone)', pinned, [NODES[0], NODES[2]], [pod('api', 'a1')], /pinned node b1 is gone or not Ready/],
    [
      'a pinned node that is NotReady',
      pinned,
      [NODES[0], node('b1', 'zone-b', { ready: false }), NODES[2]],
      [pod('api', 'a1'), pod('api', 'b1')],
      /b1 is gone or not Ready/,
    ],
    ['both pinned nodes lost', pinned, [NODES[2]], [], /nodes a1, b1 are gone/],
    ['a pod of the service that cannot be scheduled', pinned, NODES, [pod('api', 'a1'), pod('api', undefined)], /1 pod\(s\) cannot be scheduled/],
    ['an unschedulable pod of another service does not count', pinned, NODES, [pod('api', 'a1'), pod('api', 'b1'), pod('web', undefined)], undefined],
  ])('%s', (_label, svc, nodes, pods, expected) => {
    const reason = stalePinReason(svc, nodes, pods);
    if (expected === undefined) expect(reason).toBeUndefined();
    else expect(reason).toMatch(expected);
  });
});

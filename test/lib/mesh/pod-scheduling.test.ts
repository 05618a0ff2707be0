import { describe, expect, it } from 'vitest';
import { nodeAffinity } from '../../../lib/mesh/pod-scheduling.js';
import type { Placement } from '../../../lib/mesh/render-context.js';

const hostIn = (values: string[]) => ({ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values }] });

describe('nodeAffinity', () => {
  it.each<{ name: string; placement: Placement | undefined; expected: unknown }>([
    { name: 'no placement', placement: undefined, expected: undefined },
    { name: 'empty lists', placement: { requiredNodes: [], preferredNodes: [] }, expected: undefined },
    {
      name: 'required only, duplicates dropped',
      placement: { requiredNodes: ['b', 'a', 'b'] },
      expected: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [hostIn(['a', 'b'])] } } },
    },
    {
      name: 'preferred only, sorted by node',
      placement: {
        preferredNodes: [
          { node: 'z', weight: 1 },
          { node: 'm', weight: 100 },
        ],
      },
      expected: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 100, preference: hostIn(['m']) },
            { weight: 1, preference: hostIn(['z']) },
          ],
        },
      },
    },
  ])('$name', ({ placement, expected }) => {
    expect(nodeAffinity(placement)).toEqual(expected);
  });
});

describe('nodeAffinity with avoided nodes', () => {
  it('keeps pods off avoided nodes, ANDed with the required ones in one term', () => {
    const affinity = nodeAffinity({ requiredNodes: ['n2', 'n1'], avoidNodes: ['n3'] }) as any;
    const terms = affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    expect(terms).toHaveLength(1);
    expect(terms[0].matchExpressions).toEqual([
      { key: 'kubernetes.io/hostname', operator: 'In', values: ['n1', 'n2'] },
      { key: 'kubernetes.io/hostname', operator: 'NotIn', values: ['n3'] },
    ]);
  });

  it('renders an avoid-only placement as a NotIn term', () => {
    const affinity = nodeAffinity({ avoidNodes: ['n9', 'n9'] }) as any;
    expect(affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'NotIn', values: ['n9'] }] },
    ]);
  });
});

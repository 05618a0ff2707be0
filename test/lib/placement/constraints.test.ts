import { describe, expect, it } from 'vitest';
import { checkConstraints } from '../../../lib/placement/constraints.js';
import type { PlacementInstanceInput } from '../../../lib/placement/model.js';

const instance: PlacementInstanceInput = {
  services: [
    { name: 'web', replicas: 2, cpu: 400, memory: 100 },
    { name: 'db', replicas: 1, cpu: 500, memory: 600, allowedNodes: ['n3'] },
    { name: 'batch', replicas: 1, cpu: 100, memory: 350, excludedNodes: ['n1'] },
  ],
  nodes: [
    { id: 'n1', zone: 'a', cpu: 1000, memory: 1000 },
    { id: 'n2', zone: 'a', cpu: 1000, memory: 1000 },
    { id: 'n3', zone: 'b', cpu: 1000, memory: 1000 },
  ],
};

describe('checkConstraints', () => {
  it('accepts a placement that keeps every rule', () => {
    expect(checkConstraints(instance, { web: ['n1', 'n3'], db: ['n3'], batch: ['n2'] })).toEqual([]);
  });

  it.each([
    { name: 'CPU over capacity', placement: { web: ['n3', 'n3'], db: ['n3'], batch: ['n2'] }, kinds: ['spread', 'cpu', 'nodeShare'] },
    { name: 'memory over capacity', placement: { web: ['n1', 'n3'], db: ['n3'], batch: ['n3'] }, kinds: ['memory'] },
    { name: 'both replicas in one zone', placement: { web: ['n1', 'n2'], db: ['n3'], batch: ['n2'] }, kinds: ['spread'] },
    { name: 'outside a pin', placement: { web: ['n1', 'n3'], db: ['n2'], batch: ['n2'] }, kinds: ['notAllowed'] },
    { name: 'on an excluded node', placement: { web: ['n2', 'n3'], db: ['n3'], batch: ['n1'] }, kinds: ['excluded'] },
  ])('reports $name', ({ placement, kinds }) => {
    expect(
      checkConstraints(instance, placement)
        .map((v) => v.kind)
        .sort(),
    ).toEqual([...kinds].sort());
  });

  it('does not demand spread when the allowed nodes lie in one zone', () => {
    const pinned = { ...instance, services: [{ name: 'web', replicas: 2, cpu: 100, memory: 100, allowedNodes: ['n1', 'n2'] }] };
    expect(checkConstraints(pinned, { web: ['n1', 'n2'] })).toEqual([]);
  });

  it('names the node and the amounts in a capacity violation', () => {
    const [violation] = checkConstraints(instance, { web: ['n1', 'n3'], db: ['n3'], batch: ['n3'] });
    expect(violation).toMatchObject({ kind: 'memory', node: 'n3', requested: 1050, capacity: 1000 });
  });
});

import { describe, expect, it } from 'vitest';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from '../../../lib/sim/patching.js';

const deployment = {
  metadata: { name: 'web', labels: { app: 'web', old: 'x' } },
  spec: {
    replicas: 2,
    template: {
      spec: {
        containers: [
          { name: 'app', image: 'web:1', env: [{ name: 'A', value: '1' }] },
          { name: 'sidecar', image: 'proxy:1' },
        ],
      },
    },
  },
};

describe('JSON merge patch (RFC 7386)', () => {
  it('merges maps, deletes nulls and replaces lists wholesale', () => {
    const result = applyMergePatch(deployment, {
      metadata: { labels: { old: null, new: 'y' } },
      spec: { template: { spec: { containers: [{ name: 'app', image: 'web:2' }] } } },
    }) as typeof deployment;
    expect(result.metadata.labels).toEqual({ app: 'web', new: 'y' });
    expect(result.spec.template.spec.containers).toEqual([{ name: 'app', image: 'web:2' }]);
    expect(result.spec.replicas).toBe(2);
  });

  it('does not modify its input', () => {
    const copy = structuredClone(deployment);
    applyMergePatch(deployment, { spec: { replicas: 5 } });
    expect(deployment).toEqual(copy);
  });
});

describe('strategic merge patch', () => {
  it('merges containers by name, keeping the ones the patch does not mention', () => {
    const result = applyStrategicMergePatch(deployment, {
      spec: { template: { spec: { containers: [{ name: 'app', image: 'web:2' }] } } },
    }) as typeof deployment;
    expect(result.spec.template.spec.containers).toEqual([
      { name: 'app', image: 'web:2', env: [{ name: 'A', value: '1' }] },
      { name: 'sidecar', image: 'proxy:1' },
    ]);
  });

  it('honours $patch: delete on a list item and $setElementOrder', () => {
    const result = applyStrategicMergePatch(deployment, {
      spec: {
        template: {
          spec: {
            $setElementOrder: undefined,
            '$setElementOrder/containers': [{ name: 'extra' }, { name: 'app' }],
            containers: [
              { name: 'sidecar', $patch: 'delete' },
              { name: 'extra', image: 'extra:1' },
            ],
          },
        },
      },
    }) as typeof deployment;
    expect(result.spec.template.spec.containers.map((c) => c.name)).toEqual(['extra', 'app']);
  });

  it('replaces a map marked $patch: replace', () => {
    const result = applyStrategicMergePatch(deployment, { metadata: { labels: { $patch: 'replace', only: 'this' } } }) as typeof deployment;
    expect(result.metadata.labels).toEqual({ only: 'this' });
  });
});

describe('JSON patch (RFC 6902)', () => {
  it.each([
    [[{ op: 'replace', path: '/spec/replicas', value: 4 }], (r: any) => r.spec.replicas, 4],
    [[{ op: 'add', path: '/metadata/labels/new', value: 'v' }], (r: any) => r.metadata.labels.new, 'v'],
    [[{ op: 'remove', path: '/metadata/labels/old' }], (r: any) => 'old' in r.metadata.labels, false],
    [[{ op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'c3' } }], (r: any) => r.spec.template.spec.containers.length, 3],
    [[{ op: 'add', path: '/spec/template/spec/containers/0', value: { name: 'c0' } }], (r: any) => r.spec.template.spec.containers[0].name, 'c0'],
    [[{ op: 'copy', from: '/spec/replicas', path: '/spec/minReady' }], (r: any) => r.spec.minReady, 2],
    [
      [{ op: 'move', from: '/metadata/labels/old', path: '/metadata/labels/moved' }],
      (r: any) => [r.metadata.labels.moved, r.metadata.labels.old],
      ['x', undefined],
    ],
    [[{ op: 'add', path: '/metadata/annotations~1x', value: 1 }], (r: any) => r.metadata['annotations/x'], 1],
  ])('%j', (ops, read, expected) => {
    expect(read(applyJsonPatch(deployment, ops))).toEqual(expected);
  });

  it.each([
    [[{ op: 'test', path: '/spec/replicas', value: 3 }], /testing value/],
    [[{ op: 'remove', path: '/spec/nothing' }], /missing path/],
    [[{ op: 'replace', path: '/nope/deeper', value: 1 }], /missing path/],
    [{ op: 'add' }, /must be an array/],
  ])('fails with 422 for %j', (ops, message) => {
    expect(() => applyJsonPatch(deployment, ops)).toThrow(message);
  });
});

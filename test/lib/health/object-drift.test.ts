import { describe, expect, it } from 'vitest';
import { findDrift, firstDifference } from '../../../lib/health/object-drift.js';
import { LABELS, MANAGED_BY } from '../../../lib/mesh/labels.js';
import type { KubeObject } from '../../../lib/ports/cluster-client.js';

const labels = { [LABELS.managedBy]: MANAGED_BY, [LABELS.service]: 'cart' };
const deployment = (replicas: number, image = 'cart:1'): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'cart', namespace: 'shop', labels },
  spec: { replicas, template: { spec: { containers: [{ name: 'app', image, ports: [{ containerPort: 8080 }] }] } } },
});
/** What the API server answers: defaults, status and its own metadata added. */
const live = (object: KubeObject, extra: Record<string, unknown> = {}): KubeObject => {
  const copy = structuredClone(object) as KubeObject & { spec: Record<string, unknown> };
  return {
    ...copy,
    metadata: { ...copy.metadata, uid: 'u-1', resourceVersion: '7', generation: 2 },
    spec: { ...copy.spec, progressDeadlineSeconds: 600, ...extra },
    status: { readyReplicas: 1 },
  };
};

describe('firstDifference', () => {
  it.each<[string, unknown, unknown, string | undefined]>([
    ['equal scalars', 1, 1, undefined],
    ['int-or-string forms', 8080, '8080', undefined],
    ['a default the server added', { a: 1 }, { a: 1, b: 2 }, undefined],
    ['a changed value', { a: { b: 1 } }, { a: { b: 2 } }, 'a.b'],
    ['a missing field', { a: 1 }, {}, 'a'],
    ['a list of another length', { l: [1, 2] }, { l: [1] }, 'l'],
    ['a list item changed', { l: [{ x: 1 }] }, { l: [{ x: 2 }] }, 'l[0].x'],
  ])('%s', (_case, want, have, path) => {
    expect(firstDifference(want, have, '')).toBe(path);
  });
});

describe('findDrift', () => {
  it('sees nothing when the live objects carry every rendered field', () => {
    expect(findDrift([deployment(2)], [live(deployment(2))])).toEqual([]);
  });

  it.each<[string, KubeObject[], KubeObject[], unknown[]]>([
    ['deleted', [deployment(2)], [], [{ kind: 'Deployment', namespace: 'shop', name: 'cart', drift: 'missing' }]],
    [
      'scaled by hand',
      [deployment(2)],
      [live(deployment(5))],
      [{ kind: 'Deployment', namespace: 'shop', name: 'cart', drift: 'changed', field: 'spec.replicas' }],
    ],
    [
      'image edited',
      [deployment(2)],
      [live(deployment(2, 'cart:evil'))],
      [{ kind: 'Deployment', namespace: 'shop', name: 'cart', drift: 'changed', field: 'spec.template.spec.containers[0].image' }],
    ],
    ['no longer rendered', [], [live(deployment(2))], [{ kind: 'Deployment', namespace: 'shop', name: 'cart', drift: 'extra' }]],
  ])('%s', (_case, rendered, found, drift) => {
    expect(findDrift(rendered, found)).toEqual(drift);
  });

  it('ignores rendered objects meshplane does not own (a shared Namespace)', () => {
    expect(findDrift([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }], [])).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { ServiceSpec } from '../../../../lib/model/service-spec.js';
import { nextPodRevision, podTemplateChanged } from '../../../../lib/usecases/shared/service-transition.js';

const base = ServiceSpec.parse({ name: 'a', image: 'a:1', port: 80, replicas: 3 });

describe('podTemplateChanged', () => {
  it.each([
    ['image', { image: 'a:2' }, true],
    ['port', { port: 81 }, true],
    ['resources', { resources: { cpu: 200, memory: 128 } }, true],
    ['env', { env: { X: '1' } }, true],
    ['probes', { probes: { readiness: { path: '/r', periodSeconds: 10, initialDelaySeconds: 0 } } }, true],
    ['replicas only', { replicas: 5 }, false],
    ['mesh timeout only', { mesh: { ...base.mesh, timeoutMs: 1_000 } }, false],
    ['dependencies only', { dependencies: [{ service: 'b', rps: 5 }] }, false],
    ['rollout policy only', { rollout: { ...base.rollout, strategy: 'blueGreen' as const } }, false],
  ])('%s → %s', (_what, change, expected) => {
    expect(podTemplateChanged(base, { ...base, ...change })).toBe(expected);
  });
});

describe('nextPodRevision', () => {
  it('moves to the new revision when the pods change', () => {
    expect(nextPodRevision({ revision: 4, podRevision: 2, spec: base }, { ...base, image: 'a:9' }, 5)).toBe(5);
  });
  it('keeps the old pod revision when they do not', () => {
    expect(nextPodRevision({ revision: 4, podRevision: 2, spec: base }, { ...base, replicas: 9 }, 5)).toBe(2);
  });
  it('falls back to the revision for records written before pod revisions existed', () => {
    expect(nextPodRevision({ revision: 4, spec: base }, { ...base, replicas: 9 }, 5)).toBe(4);
  });
});

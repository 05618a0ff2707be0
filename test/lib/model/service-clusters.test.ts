import { describe, expect, it } from 'vitest';
import { clusterProblems, isMultiCluster, planWaves, serviceClusterIds } from '../../../lib/model/service-clusters.js';
import { ServiceSpec } from '../../../lib/model/service-spec.js';

describe('serviceClusterIds / isMultiCluster', () => {
  it.each([
    [{}, [undefined], false],
    [{ cluster: 'a' }, ['a'], false],
    [{ clusters: ['a'] }, ['a'], false],
    [{ clusters: ['a', 'b'] }, ['a', 'b'], true],
  ])('%j → %j (multi: %s)', (spec, ids, multi) => {
    expect(serviceClusterIds(spec)).toEqual(ids);
    expect(isMultiCluster(spec)).toBe(multi);
  });
});

describe('planWaves', () => {
  it.each([
    ['one cluster: no waves', { cluster: 'a' }, []],
    ['the default cluster: no waves', {}, []],
    ['one cluster per wave in listed order by default', { clusters: ['b', 'a', 'c'] }, [['b'], ['a'], ['c']]],
    ['declared waves', { clusters: ['a', 'b', 'c'], rollout: { waves: [['a'], ['b', 'c']] } }, [['a'], ['b', 'c']]],
  ])('%s', (_name, spec, waves) => {
    expect(planWaves(spec)).toEqual(waves);
  });
});

describe('clusterProblems', () => {
  it.each([
    ['none for one cluster', { cluster: 'a' }, []],
    ['none for good waves', { clusters: ['a', 'b', 'c'], rollout: { waves: [['a'], ['c', 'b']] } }, []],
    ['cluster and clusters together', { cluster: 'a', clusters: ['a', 'b'] }, ['clusters']],
    ['a cluster listed twice', { clusters: ['a', 'b', 'a'] }, ['clusters.2']],
    ['waves without clusters', { cluster: 'a', rollout: { waves: [['a']] } }, ['rollout.waves']],
    ['a wave naming an unlisted cluster', { clusters: ['a', 'b'], rollout: { waves: [['a'], ['b', 'x']] } }, ['rollout.waves.1.1']],
    ['a cluster in two waves', { clusters: ['a', 'b'], rollout: { waves: [['a', 'b'], ['b']] } }, ['rollout.waves.1.0']],
    ['a cluster in no wave', { clusters: ['a', 'b', 'c'], rollout: { waves: [['a'], ['b']] } }, ['rollout.waves']],
  ])('%s', (_name, spec, paths) => {
    expect(clusterProblems(spec).map((p) => p.path.join('.'))).toEqual(paths);
  });

  it('are reported by the spec schema with the other problems', () => {
    const parsed = ServiceSpec.safeParse({
      name: 'x',
      image: 'r/x:1',
      port: 80,
      clusters: ['a', 'a'],
      rollout: { waves: [['a'], ['z']], bakeSeconds: -1 },
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['clusters.1', 'rollout.bakeSeconds', 'rollout.waves.1.0']);
    const valid = ServiceSpec.parse({ name: 'x', image: 'r/x:1', port: 80, clusters: ['a', 'b'], rollout: { waves: [['b'], ['a']], bakeSeconds: 60 } });
    expect(valid.rollout).toMatchObject({ waves: [['b'], ['a']], bakeSeconds: 60 });
    const problems = ServiceSpec.safeParse({ name: 'x', image: 'r/x:1', port: 80, clusters: ['a', 'a'], rollout: { waves: [['a'], ['z']] } });
    expect(problems.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['clusters.1', 'rollout.waves.1.0']);
  });
});

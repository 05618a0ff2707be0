/**
 * Where a service runs: one cluster (`cluster`, or the default one when absent) or several (`clusters`),
 * each running a full copy (a cell). A deployment of a multi-cluster service releases it wave by wave:
 * `rollout.waves` lists the clusters of each wave, by default one cluster per wave in the listed order.
 * Pure.
 */

interface Placement {
  cluster?: string;
  clusters?: string[];
  rollout?: { waves?: string[][] };
}

/** Cluster ids the service runs in, in order; `undefined` stands for the default cluster. */
export function serviceClusterIds(spec: Placement): (string | undefined)[] {
  return spec.clusters?.length ? [...spec.clusters] : [spec.cluster];
}

/** Whether the service runs in more than one cluster (its deployments then run as waves). */
export function isMultiCluster(spec: Placement): boolean {
  return (spec.clusters?.length ?? 0) > 1;
}

/**
 * The waves a deployment releases, each a list of cluster ids: `rollout.waves`, else one cluster per
 * wave in the order of `clusters`. A single-cluster service has no waves (`[]`): its rollout is one
 * release of the service wherever it runs, as it always was.
 *
 * @example planWaves({ clusters: ['a', 'b', 'c'] }) // [['a'], ['b'], ['c']]
 * @example planWaves({ clusters: ['a', 'b', 'c'], rollout: { waves: [['a'], ['b', 'c']] } }) // [['a'], ['b', 'c']]
 * @example planWaves({ cluster: 'a' }) // []
 */
export function planWaves(spec: Placement): string[][] {
  if (!isMultiCluster(spec)) return [];
  return spec.rollout?.waves?.map((w) => [...w]) ?? spec.clusters!.map((c) => [c]);
}

/** What is wrong with a spec's clusters and waves (paths relative to the spec). */
export function clusterProblems(spec: Placement): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  if (spec.cluster !== undefined && spec.clusters !== undefined)
    problems.push({ path: ['clusters'], message: 'give either cluster (one) or clusters (several), not both' });
  const listed = new Set<string>();
  spec.clusters?.forEach((c, i) => {
    if (listed.has(c)) problems.push({ path: ['clusters', i], message: `cluster "${c}" is listed twice` });
    listed.add(c);
  });
  const waves = spec.rollout?.waves;
  if (!waves) return problems;
  if (!isMultiCluster(spec)) {
    problems.push({ path: ['rollout', 'waves'], message: 'waves release the clusters of a service in several clusters: list them in clusters' });
    return problems;
  }
  const inWave = new Set<string>();
  waves.forEach((wave, w) =>
    wave.forEach((c, i) => {
      if (!listed.has(c)) problems.push({ path: ['rollout', 'waves', w, i], message: `cluster "${c}" is not in clusters` });
      else if (inWave.has(c)) problems.push({ path: ['rollout', 'waves', w, i], message: `cluster "${c}" is in two waves` });
      inWave.add(c);
    }),
  );
  const missing = [...listed].filter((c) => !inWave.has(c));
  if (missing.length) problems.push({ path: ['rollout', 'waves'], message: `every cluster must be in a wave; missing: ${missing.join(', ')}` });
  return problems;
}

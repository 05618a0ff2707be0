import { afterEach, describe, expect, it } from 'vitest';
import { type SimCluster, type SimClusterOptions, startSimCluster } from '../../../lib/sim/index.js';
import { clients, deployment, waitFor } from './sim-test-helpers.js';

let cluster: SimCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function start(options: SimClusterOptions = {}) {
  cluster = await startSimCluster({ readyDelayMs: 20, reconcileIntervalMs: 20, ...options });
  return { cluster, ...clients(cluster) };
}

const ZONE = 'topology.kubernetes.io/zone';

describe('scheduling', () => {
  it('leaves pods Pending with an Unschedulable condition when CPU runs out', async () => {
    const { apps, core } = await start({ zones: ['zone-a'], nodesPerZone: 2, nodeCpuMillis: 1000 });
    // 2 nodes × 1000m fit four 450m pods; the fifth fits nowhere.
    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('big', { replicas: 5, cpu: '450m' }) });
    const pending = await waitFor('an unschedulable pod', async () => {
      const pods = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=big' })).items;
      const unscheduled = pods.filter((p) => !p.spec?.nodeName);
      return pods.length === 5 && pods.filter((p) => p.status?.phase === 'Running').length === 4 && unscheduled.length === 1 && unscheduled[0];
    });
    expect(pending.status?.phase).toBe('Pending');
    expect(pending.status?.conditions?.find((c) => c.type === 'PodScheduled')).toMatchObject({
      status: 'False',
      reason: 'Unschedulable',
      message: '0/2 nodes are available: 2 Insufficient cpu.',
    });
  });

  it('spreads pods over zones with a DoNotSchedule topology spread constraint', async () => {
    const { apps, core } = await start();
    const spread = {
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } }],
    };
    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('spread', { replicas: 7, podSpec: spread }) });
    const pods = await waitFor('7 bound pods', async () => {
      const items = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=spread' })).items;
      return items.length === 7 && items.every((p) => p.spec?.nodeName) && items;
    });
    const perZone = new Map<string, number>();
    for (const p of pods) {
      const zone = /node-(zone-[abc])-/.exec(p.spec?.nodeName ?? '')?.[1] as string;
      perZone.set(zone, (perZone.get(zone) ?? 0) + 1);
    }
    expect([...perZone.values()].sort()).toEqual([2, 2, 3]);
  });

  it('honours required node affinity', async () => {
    const { apps, core } = await start();
    const affinity = {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: 'In', values: ['zone-b'] }] }] },
        },
      },
    };
    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('pinned', { replicas: 4, podSpec: affinity }) });
    const pods = await waitFor('4 bound pods', async () => {
      const items = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=pinned' })).items;
      return items.length === 4 && items.every((p) => p.spec?.nodeName) && items;
    });
    expect(pods.map((p) => p.spec?.nodeName?.replace(/-\d$/, ''))).toEqual(['node-zone-b', 'node-zone-b', 'node-zone-b', 'node-zone-b']);
  });

  it('moves pods off a node that goes down, and marks the node NotReady', async () => {
    const { apps, core, cluster } = await start({ nodeEvictionGraceMs: 100 });
    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('mover', { replicas: 3 }) });
    const before = await waitFor('3 ready pods', async () => {
      const items = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=mover' })).items;
      return items.length === 3 && items.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) && items;
    });
    const victim = before[0].spec?.nodeName as string;
    cluster.faults.nodeDown(victim);
    const after = await waitFor('pods replaced elsewhere', async () => {
      const items = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=mover' })).items;
      const ready = items.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return items.length === 3 && ready.length === 3 && items.every((p) => p.spec?.nodeName !== victim) && items;
    });
    expect(after.map((p) => p.metadata?.name)).not.toContain(before[0].metadata?.name);
    const node = await core.readNode({ name: victim });
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('Unknown');
    expect(cluster.faults.state().nodes.find((n) => n.name === victim)).toMatchObject({ ready: false, pods: 0 });
  });
});

describe('faults', () => {
  it('keeps a crash-looping image from ever getting Ready while its restart count grows', async () => {
    const { apps, core, cluster } = await start({ crashLoopRestartMs: 100 });
    cluster.faults.crashLoop('example/broken:2.0');
    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('broken', { replicas: 2, image: 'example/broken:2.0' }) });
    const pod = await waitFor('restartCount ≥ 3', async () => {
      const items = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=broken' })).items;
      return items.find((p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 3);
    });
    expect(pod.status?.containerStatuses?.[0]).toMatchObject({ ready: false, state: { waiting: { reason: 'CrashLoopBackOff' } } });
    const d = await apps.readNamespacedDeployment({ namespace: 'default', name: 'broken' });
    expect(d.status?.readyReplicas ?? 0).toBe(0);
    expect(d.status?.conditions?.find((c) => c.type === 'Available')?.status).toBe('False');

    cluster.faults.clear();
    await waitFor(
      'recovery after the fault is cleared',
      async () => (await apps.readNamespacedDeployment({ namespace: 'default', name: 'broken' })).status?.readyReplicas === 2,
    );
  });

  it('keeps Running pods of an unready image out of Ready', async () => {
    const { apps, core, cluster } = await start();
    cluster.faults.unready('example/slow:1.0');
    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('slow', { replicas: 1, image: 'example/slow:1.0' }) });
    const pod = await waitFor('a running pod', async () =>
      (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=slow' })).items.find((p) => p.status?.phase === 'Running'),
    );
    await new Promise((r) => setTimeout(r, 100));
    const again = await core.readNamespacedPod({ namespace: 'default', name: pod.metadata?.name as string });
    expect(again.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    expect(again.status?.containerStatuses?.[0]).toMatchObject({ ready: false, started: true });
  });

  it('answers Kubernetes API requests with injected 500s at the configured rate, repeatably', async () => {
    const { cluster } = await start();
    const run = async () => {
      const res = await fetch(`${cluster.url}/sim/faults/api`, {
        method: 'POST',
        body: JSON.stringify({ status: 500, rate: 0.3, paths: '/api/v1/nodes', seed: 7 }),
      });
      expect(res.status).toBe(200);
      const codes: number[] = [];
      for (let i = 0; i < 200; i++) codes.push((await fetch(`${cluster.url}/api/v1/nodes`)).status);
      return codes;
    };
    const first = await run();
    const failures = first.filter((c) => c === 500).length;
    expect(failures).toBeGreaterThan(40); // 30% of 200 = 60, binomial σ ≈ 6.5
    expect(failures).toBeLessThan(80);
    expect(first.every((c) => c === 200 || c === 500)).toBe(true);
    expect(await run()).toEqual(first); // same seed, same sequence
    expect((await fetch(`${cluster.url}/api/v1/namespaces`)).status).toBe(200); // path filter
  });

  it('answers 429 with a TooManyRequests Status and Retry-After', async () => {
    const { cluster } = await start();
    cluster.faults.api({ status: 429, rate: 1 });
    const res = await fetch(`${cluster.url}/apis/apps/v1/deployments`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429 });
    expect((await fetch(`${cluster.url}/sim/faults`, { method: 'DELETE' })).status).toBe(200);
    expect((await fetch(`${cluster.url}/apis/apps/v1/deployments`)).status).toBe(200);
  });

  it('delays answers for the timeout fault', async () => {
    const { cluster } = await start();
    cluster.faults.api({ timeoutRate: 1, timeoutMs: 300 });
    const started = Date.now();
    const res = await fetch(`${cluster.url}/api/v1/namespaces`);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('validates fault requests and names unknown nodes and zones', async () => {
    const { cluster } = await start();
    const post = (path: string, body: unknown = {}) => fetch(`${cluster.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
    expect((await post('/sim/faults/traffic', { image: 'x', errorRate: 2 })).status).toBe(400);
    expect((await post('/sim/faults/api', { status: 418, rate: 1 })).status).toBe(400);
    expect((await post('/sim/nodes/nope/down')).status).toBe(404);
    expect((await post('/sim/zones/zone-z/down')).status).toBe(404);
    expect((await post('/sim/zones/zone-b/down')).status).toBe(200);
    const state = (await (await fetch(`${cluster.url}/sim/state`)).json()) as { faults: { downZones: string[] } };
    expect(state.faults.downZones).toEqual(['zone-b']);
    await waitFor(
      'zone-b nodes NotReady',
      () =>
        cluster.faults
          .state()
          .nodes.filter((n) => !n.ready)
          .map((n) => n.name)
          .join() === 'node-zone-b-1,node-zone-b-2,node-zone-b-3',
    );
  });
});

describe('snapshot', () => {
  it('saves objects on stop and loads them on the next start', async () => {
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const statePath = join(await mkdtemp(join(tmpdir(), 'sim-')), 'state.json');
    const first = await start({ statePath });
    await first.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('kept', { replicas: 1 }) });
    await first.cluster.stop();
    const second = await start({ statePath });
    const d = await second.apps.readNamespacedDeployment({ namespace: 'default', name: 'kept' });
    expect(d.spec?.replicas).toBe(1);
  });
});

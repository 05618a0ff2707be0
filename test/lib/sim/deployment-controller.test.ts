/**
 * The simulated deployment controller reconciles only the Deployments whose objects changed and those
 * still progressing. What a controller that missed a change, or skipped a time-only transition, would get
 * wrong: a deleted pod not replaced, a stalled rollout never reported, a deleted Deployment's pods left
 * behind, a quiet cluster that keeps writing. Real parts: the simulated cluster over HTTP, moved forward
 * in simulated time (no timer ticks: reconcileIntervalMs is far away), and the real Kubernetes client.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type SimCluster, startSimCluster } from '../../../lib/sim/index.js';
import { clients, deployment, rolledOut } from './sim-test-helpers.js';

let cluster: SimCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function start() {
  cluster = await startSimCluster({ readyDelayMs: 1_000, reconcileIntervalMs: 3_600_000 });
  return { cluster, ...clients(cluster) };
}

describe('the deployment controller', () => {
  it('replaces a pod deleted from a quiet Deployment at the next tick', async () => {
    const { cluster, apps, core } = await start();
    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('quiet', { replicas: 2 }) });
    await cluster.advanceTime(5);
    const before = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=quiet' })).items.map((p) => p.metadata!.name!);
    expect(before).toHaveLength(2);

    await core.deleteNamespacedPod({ namespace: 'default', name: before[0] });
    await cluster.advanceTime(1);

    const after = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=quiet' })).items.map((p) => p.metadata!.name!);
    expect(after).toHaveLength(2);
    expect(after).toContain(before[1]);
    expect(after).not.toContain(before[0]);
  });

  it('reports ProgressDeadlineExceeded for a rollout that stalls while nothing in the cluster changes', async () => {
    const { cluster, apps } = await start();
    cluster.faults.unready('example/stuck:1.0');
    const body = deployment('stuck', { replicas: 1, image: 'example/stuck:1.0' });
    body.spec!.progressDeadlineSeconds = 30;
    await apps.createNamespacedDeployment({ namespace: 'default', body });
    await cluster.advanceTime(10);
    const early = await apps.readNamespacedDeployment({ namespace: 'default', name: 'stuck' });
    expect(early.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('ReplicaSetUpdated');

    // The pod stays Running and unready: no object changes; only time passes the deadline.
    await cluster.advanceTime(30);
    const late = await apps.readNamespacedDeployment({ namespace: 'default', name: 'stuck' });
    expect(late.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
  });

  it("collects a deleted Deployment's ReplicaSets and pods", async () => {
    const { cluster, apps, core } = await start();
    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('gone', { replicas: 2 }) });
    await cluster.advanceTime(5);
    expect((await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=gone' })).items).toHaveLength(2);

    await apps.deleteNamespacedDeployment({ namespace: 'default', name: 'gone' });
    await cluster.advanceTime(1);

    expect((await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=gone' })).items).toEqual([]);
    expect((await apps.listNamespacedReplicaSet({ namespace: 'default', labelSelector: 'app=gone' })).items).toEqual([]);
  });

  it('writes nothing while a rolled-out cluster stays quiet, and rolls out a change made after', async () => {
    const { cluster, apps, core } = await start();
    for (const name of ['a', 'b', 'c']) await apps.createNamespacedDeployment({ namespace: 'default', body: deployment(name, { replicas: 2 }) });
    await cluster.advanceTime(5);
    const version = (await core.listNamespacedPod({ namespace: 'default' })).metadata?.resourceVersion;

    await cluster.advanceTime(120);
    expect((await core.listNamespacedPod({ namespace: 'default' })).metadata?.resourceVersion).toBe(version);

    await apps.patchNamespacedDeployment({ namespace: 'default', name: 'b', body: [{ op: 'replace', path: '/spec/replicas', value: 3 }] }, {
      headers: { 'Content-Type': 'application/json-patch+json' },
    } as never);
    await cluster.advanceTime(5);
    const b = await apps.readNamespacedDeployment({ namespace: 'default', name: 'b' });
    expect(rolledOut(b)).toBe(true);
    expect(b.status?.readyReplicas).toBe(3);
  });
});

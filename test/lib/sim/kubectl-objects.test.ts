/**
 * What kubectl reads besides Deployments and pods, through the real client-node (no kubectl needed):
 * ReplicaSets owned by Deployments with revisions, Events the simulated components record, synthetic
 * container logs, exec refused with a clear Status, wall-clock timestamps, and ReplicaSets surviving a
 * kill -9 of the cluster's process (journaled) while recorded events are not journaled.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { type SimCluster, type SimClusterOptions, startSimCluster } from '../../../lib/sim/index.js';
import { journalPath } from '../../../lib/sim/journal.js';
import { simKubeconfigYaml } from '../../../lib/sim/kubeconfig.js';
import { exited, waitForLine } from '../../support/processes.js';
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

const isReady = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
const reasons = (events: CoreV1Event[]) => new Set(events.map((e) => e.reason));

describe('ReplicaSets', () => {
  it('gives every template of a Deployment a ReplicaSet with a revision, owning its pods; old ones scale to 0', async () => {
    const { apps, core } = await start();
    const created = await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('shop', { replicas: 2, image: 'shop:1' }) });
    await waitFor(
      'shop:1 ready',
      async () => (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=shop' })).items.filter(isReady).length === 2,
    );
    await apps.patchNamespacedDeployment(
      { namespace: 'default', name: 'shop', body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'shop:2' }] },
      { headers: { 'Content-Type': 'application/json-patch+json' } } as never,
    );
    const sets = await waitFor('two ReplicaSets, the new one with both pods', async () => {
      const items = (await apps.listNamespacedReplicaSet({ namespace: 'default' })).items;
      const byImage = new Map(items.map((rs) => [rs.spec?.template?.spec?.containers[0].image, rs]));
      return items.length === 2 && byImage.get('shop:2')?.status?.readyReplicas === 2 && byImage.get('shop:1')?.spec?.replicas === 0 && byImage;
    });
    const [old, current] = [sets.get('shop:1')!, sets.get('shop:2')!];
    for (const rs of [old, current]) {
      expect(rs.metadata?.ownerReferences).toEqual([
        expect.objectContaining({ kind: 'Deployment', name: 'shop', uid: created.metadata?.uid, controller: true }),
      ]);
      expect(rs.metadata?.name).toBe(`shop-${rs.metadata?.labels?.['pod-template-hash']}`);
      expect(rs.spec?.selector.matchLabels?.['pod-template-hash']).toBe(rs.metadata?.labels?.['pod-template-hash']);
    }
    expect([old.metadata?.annotations?.['deployment.kubernetes.io/revision'], current.metadata?.annotations?.['deployment.kubernetes.io/revision']]).toEqual([
      '1',
      '2',
    ]);
    const shop = await apps.readNamespacedDeployment({ namespace: 'default', name: 'shop' });
    expect(shop.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    const pods = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=shop' })).items;
    for (const pod of pods)
      expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', name: current.metadata?.name, uid: current.metadata?.uid });

    // Deleting a ReplicaSet deletes its pods; the Deployment gets both back.
    await apps.deleteNamespacedReplicaSet({ namespace: 'default', name: current.metadata!.name! });
    const back = await waitFor('ReplicaSet recreated with ready pods', async () => {
      const rs = (await apps.listNamespacedReplicaSet({ namespace: 'default' })).items.find((r) => r.metadata?.name === current.metadata?.name);
      return rs && rs.metadata?.uid !== current.metadata?.uid && rs.status?.readyReplicas === 2 && rs;
    });
    expect(back.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');

    await apps.deleteNamespacedDeployment({ namespace: 'default', name: 'shop' });
    await waitFor('ReplicaSets and pods gone', async () => {
      const rs = (await apps.listNamespacedReplicaSet({ namespace: 'default' })).items;
      const left = (await core.listNamespacedPod({ namespace: 'default' })).items;
      return rs.length === 0 && left.length === 0;
    });
  });

  it('keeps ReplicaSets (and so the rollout history) across kill -9; recorded events are not journaled', async () => {
    const statePath = join(await mkdtemp(join(tmpdir(), 'sim-rs-')), 'cluster.json');
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/sim-child.ts'), statePath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = (await waitForLine(child, /sim (http:\S+)/))[1];
    const first = clients({ url, kubeconfigYaml: (ctx?: string) => simKubeconfigYaml(url, ctx) } as SimCluster);
    await first.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('keep', { replicas: 2, image: 'keep:1' }) });
    const before = await waitFor('ReplicaSet with ready pods', async () => {
      const rs = (await first.apps.listNamespacedReplicaSet({ namespace: 'default' })).items[0];
      return rs?.status?.readyReplicas === 2 && rs;
    });
    await waitFor('events recorded', async () => (await first.core.listNamespacedEvent({ namespace: 'default' })).items.length > 0);
    child.kill('SIGKILL');
    expect((await exited(child)).signal).toBe('SIGKILL');
    expect(await readFile(journalPath(statePath), 'utf8')).not.toContain('"kind":"Event"');

    const { apps, core } = await start({ statePath });
    const [after] = (await apps.listNamespacedReplicaSet({ namespace: 'default' })).items;
    expect(after.metadata).toMatchObject({ name: before.metadata?.name, uid: before.metadata?.uid, annotations: { 'deployment.kubernetes.io/revision': '1' } });
    const pods = await waitFor('pods rebuilt under the same ReplicaSet', async () => {
      const items = (await core.listNamespacedPod({ namespace: 'default' })).items;
      return items.length === 2 && items.every(isReady) && items;
    });
    for (const pod of pods) expect(pod.metadata?.ownerReferences?.[0]?.uid).toBe(before.metadata?.uid);
  });
});

describe('Events', () => {
  it('records a pod’s life, a crash loop, an unschedulable pod and a node going down, as kubectl describe selects them', async () => {
    const { cluster, apps, core } = await start({ zones: ['zone-a'], nodesPerZone: 2, nodeCpuMillis: 1000, nodeEvictionGraceMs: 300 });
    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web', { replicas: 1, image: 'web:1' }) });
    const [pod] = await waitFor('web ready', async () => {
      const items = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' })).items;
      return items.length === 1 && items.every(isReady) && items;
    });
    const name = pod.metadata!.name!;
    const podEvents = await waitFor('Scheduled, Pulled, Created, Started', async () => {
      const selector = `involvedObject.name=${name},involvedObject.namespace=default,involvedObject.kind=Pod,involvedObject.uid=${pod.metadata?.uid}`;
      const items = (await core.listNamespacedEvent({ namespace: 'default', fieldSelector: selector })).items;
      return ['Scheduled', 'Pulled', 'Created', 'Started'].every((r) => reasons(items).has(r)) && items;
    });
    expect(podEvents.find((e) => e.reason === 'Scheduled')).toMatchObject({
      type: 'Normal',
      source: { component: 'default-scheduler' },
      message: `Successfully assigned default/${name} to ${pod.spec?.nodeName}`,
      count: 1,
    });
    // Simulated time runs ahead from here; timestamps stay wall-clock time (checked on the crash loop's below).
    await cluster.advanceTime(600);
    const deploymentEvents = (await core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.kind=Deployment,involvedObject.name=web' }))
      .items;
    expect(deploymentEvents.map((e) => e.message)).toContainEqual(expect.stringMatching(/^Scaled up replica set web-\w+ from 0 to 1$/));

    cluster.faults.crashLoop('loop:1');
    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('loop', { replicas: 1, image: 'loop:1' }) });
    const backOff = await waitFor('a counted BackOff', async () => {
      await cluster.advanceTime(2);
      const items = (await core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'reason=BackOff' })).items;
      return items.length === 1 && (items[0].count ?? 0) >= 2 && items[0];
    });
    expect(Date.parse(backOff.lastTimestamp as unknown as string)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(backOff.firstTimestamp as unknown as string)).toBeLessThanOrEqual(Date.now());
    expect(backOff).toMatchObject({
      type: 'Warning',
      involvedObject: { kind: 'Pod' },
      message: expect.stringMatching(/^Back-off restarting failed container app in pod loop-/),
    });

    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('huge', { replicas: 1, cpu: '3' }) });
    const failed = await waitFor(
      'FailedScheduling',
      async () => (await core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'reason=FailedScheduling' })).items[0],
    );
    expect(failed).toMatchObject({ type: 'Warning', message: '0/2 nodes are available: 2 Insufficient cpu.' });

    cluster.faults.nodeDown(pod.spec!.nodeName!);
    const nodeEvents = await waitFor('NodeNotReady and the eviction', async () => {
      await cluster.advanceTime(1);
      const items = (await core.listNamespacedEvent({ namespace: 'default' })).items;
      const has = (reason: string, kind: string) => items.some((e) => e.reason === reason && e.involvedObject.kind === kind);
      return has('NodeNotReady', 'Node') && has('NodeNotReady', 'Pod') && has('TaintManagerEviction', 'Pod') && items;
    });
    expect(nodeEvents.find((e) => e.reason === 'TaintManagerEviction')?.message).toBe(`Marking for deletion Pod default/${name}`);
  });
});

describe('logs and exec', () => {
  it('serves logs that follow the pod’s life: start, traffic summaries, crash output as --previous', async () => {
    const { cluster, apps, core } = await start({ baseErrorRate: 0.1 });
    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('api', { replicas: 1, image: 'api:1' }) });
    const [pod] = await waitFor('api ready', async () => {
      const items = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=api' })).items;
      return items.length === 1 && items.every(isReady) && items;
    });
    const name = pod.metadata!.name!;
    await cluster.advanceTime(30);
    const log = await core.readNamespacedPodLog({ namespace: 'default', name });
    expect(log).toMatch(/^INFO {2}starting api:1\n/);
    expect(log).toMatch(/INFO {2}served \d+ requests in the last 10s \(\d+ ok, \d+ failed, p99 ≤\d+ms\)/);
    expect(log).toMatch(/ERROR \d+ requests answered 503/);
    const tail = await core.readNamespacedPodLog({ namespace: 'default', name, tailLines: 1, timestamps: true });
    expect(tail.trim().split('\n')).toHaveLength(1);
    expect(Date.parse(tail.split(' ')[0])).toBeLessThanOrEqual(Date.now());
    await expect(core.readNamespacedPodLog({ namespace: 'default', name, previous: true })).rejects.toMatchObject({ code: 400 });

    cluster.faults.crashLoop('api:2');
    await apps.patchNamespacedDeployment(
      { namespace: 'default', name: 'api', body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'api:2' }] },
      { headers: { 'Content-Type': 'application/json-patch+json' } } as never,
    );
    const crashing = await waitFor('a crash-looping pod', async () => {
      await cluster.advanceTime(2);
      const items = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=api' })).items;
      return items.find((p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) > 0);
    });
    const previous = await core.readNamespacedPodLog({ namespace: 'default', name: crashing.metadata!.name!, previous: true });
    expect(previous).toContain('panic: runtime error');
    expect(previous).toMatch(/exit status 1 \(restart \d+\)\n$/);
  });

  it('answers exec with a Status saying the simulated cluster does not support it (not NotFound)', async () => {
    const { cluster, apps, core } = await start();
    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('box', { replicas: 1 }) });
    const [pod] = await waitFor('box pod', async () => {
      const items = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=box' })).items;
      return items.length === 1 && items;
    });
    const res = await fetch(`${cluster.url}/api/v1/namespaces/default/pods/${pod.metadata?.name}/exec?command=ls&stdout=true`, { method: 'POST' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      kind: 'Status',
      reason: 'BadRequest',
      message: expect.stringContaining('exec is not supported by the simulated cluster'),
    });
    const missing = await fetch(`${cluster.url}/api/v1/namespaces/default/pods/nope/exec?command=ls`, { method: 'POST' });
    expect(missing.status).toBe(404);
  });
});

describe('resource metrics (metrics.k8s.io)', () => {
  it('reports running pods’ and Ready nodes’ usage, growing with the traffic a pod serves', async () => {
    const { cluster, apps, core, custom } = await start({ externalRps: 200 });
    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('busy', { replicas: 2, cpu: '500m', memory: '256Mi' }) });
    await waitFor(
      'busy ready',
      async () => (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=busy' })).items.filter(isReady).length === 2,
    );
    await cluster.advanceTime(2);
    const pods = (await custom.listNamespacedCustomObject({ group: 'metrics.k8s.io', version: 'v1beta1', namespace: 'default', plural: 'pods' })) as {
      items: { metadata: { name: string }; containers: { name: string; usage: { cpu: string; memory: string } }[] }[];
    };
    expect(pods.items).toHaveLength(2);
    // 500m request: 50m idle plus 100 rps each (200 external rps over two pods); 128Mi + 10Mi.
    for (const pod of pods.items) expect(pod.containers).toEqual([{ name: 'app', usage: { cpu: '150m', memory: '138Mi' } }]);
    const nodes = (await custom.listClusterCustomObject({ group: 'metrics.k8s.io', version: 'v1beta1', plural: 'nodes' })) as {
      items: { usage: { cpu: string } }[];
    };
    expect(nodes.items).toHaveLength(9);
    expect(nodes.items.map((n) => Number.parseInt(n.usage.cpu, 10)).reduce((a, b) => a + b, 0)).toBe(9 * 150 + 2 * 150);
    const write = await fetch(`${cluster.url}/apis/metrics.k8s.io/v1beta1/namespaces/default/pods`, { method: 'POST', body: '{}' });
    expect(write.status).toBe(405);
  });
});

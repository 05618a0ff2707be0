/**
 * The simulated cluster's durable state: every change it acknowledged survives kill -9 (a real child
 * process killed with SIGKILL), derived pods are rebuilt, and the journal folds into the snapshot.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type SimCluster, startSimCluster } from '../../../lib/sim/index.js';
import { journalPath, replay } from '../../../lib/sim/journal.js';
import { simKubeconfigYaml } from '../../../lib/sim/kubeconfig.js';
import { exited, waitForLine } from '../../support/processes.js';
import { clients, deployment, waitFor } from './sim-test-helpers.js';

let cluster: SimCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const statePathIn = async () => join(await mkdtemp(join(tmpdir(), 'sim-journal-')), 'cluster.json');

describe('simulated cluster journal', () => {
  it('keeps every acknowledged change across kill -9 and rebuilds the pods', async () => {
    const statePath = await statePathIn();
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/sim-child.ts'), statePath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = (await waitForLine(child, /sim (http:\S+)/))[1];
    const first = clients({ url, kubeconfigYaml: (ctx?: string) => simKubeconfigYaml(url, ctx) } as SimCluster);
    for (const name of ['a', 'b', 'c', 'gone']) await first.apps.createNamespacedDeployment({ namespace: 'default', body: deployment(name, { replicas: 2 }) });
    // The deployment controller writes status meanwhile: a replace races with it (409), as on any cluster; re-read and retry.
    await waitFor('b replaced with 3 replicas', async () => {
      const b = await first.apps.readNamespacedDeployment({ namespace: 'default', name: 'b' });
      try {
        await first.apps.replaceNamespacedDeployment({ namespace: 'default', name: 'b', body: { ...b, spec: { ...b.spec!, replicas: 3 } } });
        return true;
      } catch (err) {
        if ((err as { code?: number }).code === 409) return undefined;
        throw err;
      }
    });
    await first.apps.deleteNamespacedDeployment({ namespace: 'default', name: 'gone' });
    await waitFor('pods of a running', async () => (await first.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=a' })).items.length === 2);
    child.kill('SIGKILL');
    expect((await exited(child)).signal).toBe('SIGKILL');

    cluster = await startSimCluster({ statePath, readyDelayMs: 20, reconcileIntervalMs: 20 });
    const { apps, core } = clients(cluster);
    const names = (await apps.listNamespacedDeployment({ namespace: 'default' })).items.map((d) => [d.metadata?.name, d.spec?.replicas]);
    expect(names).toEqual([
      ['a', 2],
      ['b', 3],
      ['c', 2],
    ]);
    await waitFor('pods rebuilt and ready', async () => {
      const pods = (await core.listNamespacedPod({ namespace: 'default' })).items;
      const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return ready.length === 7 && pods.length === 7;
    });
  });

  it('folds the journal into the snapshot when it grows past the threshold, at start and on stop', async () => {
    const statePath = await statePathIn();
    cluster = await startSimCluster({ statePath, readyDelayMs: 0, reconcileIntervalMs: 20 });
    const { apps } = clients(cluster);
    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('kept', { replicas: 1 }) });
    expect((await stat(journalPath(statePath))).size).toBeGreaterThan(0);
    await cluster.stop();
    expect((await stat(journalPath(statePath))).size).toBe(0);
    const saved = JSON.parse(await readFile(statePath, 'utf8')) as { store: { objects: { object: { metadata: { name: string } } }[] } };
    expect(saved.store.objects.map((o) => o.object.metadata.name)).toContain('kept');
    cluster = await startSimCluster({ statePath, readyDelayMs: 0, reconcileIntervalMs: 20 });
    expect((await clients(cluster).apps.readNamespacedDeployment({ namespace: 'default', name: 'kept' })).spec?.replicas).toBe(1);
  });
});

describe('replay', () => {
  const obj = (name: string, rv: number) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', resourceVersion: String(rv) } });
  const line = (rv: number, t: string, name: string) => JSON.stringify({ rv, t, k: '/configmaps', o: obj(name, rv) });
  const snapshot = {
    resourceVersion: 5,
    objects: [
      { typeKey: '/configmaps', object: obj('old', 3) },
      { typeKey: '/configmaps', object: obj('x', 5) },
    ],
  };

  it.each([
    ['nothing at all', undefined, '', undefined],
    ['a snapshot alone', snapshot, '', ['old', 'x']],
    ['adds and deletes after the snapshot', snapshot, [line(6, 'ADDED', 'new'), line(7, 'DELETED', 'old')].join('\n'), ['x', 'new']],
    [
      'entries the snapshot already holds (crash during compaction)',
      snapshot,
      [line(4, 'DELETED', 'old'), line(6, 'ADDED', 'y')].join('\n'),
      ['old', 'x', 'y'],
    ],
    ['a torn last line (killed mid-write)', snapshot, `${line(6, 'ADDED', 'new')}\n{"rv":7,"t":"DEL`, ['old', 'x', 'new']],
    ['a journal without a snapshot', undefined, line(1, 'ADDED', 'solo'), ['solo']],
  ])('%s', (_what, base, journal, names) => {
    const result = replay(base, journal);
    expect(result?.objects.map((o) => o.object.metadata.name)).toEqual(names);
  });

  it('rejects a corrupt line before the last', () => {
    expect(() => replay(snapshot, `not json\n${line(6, 'ADDED', 'new')}`)).toThrow(/line 1/);
  });
});

/**
 * Issue 17, points 1 and 2, end to end: the local runtime with two simulated clusters (`local`, the
 * default, and `local-2`, each with its own API server, kubeconfig, nodes and zones), a service in both
 * (`clusters: [local, local-2]`, a full copy in each), its status per cluster and zone, leaving one
 * cluster, deregistration from both, and registrations refused up front (a simulated cluster without a
 * url, one that does not answer). Assertions read each cluster through its own kubeconfig.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { CellStatus, ServiceStatus } from '../../lib/model/observed-status.js';
import { waitFor } from '../support/wait-for.js';
import { runCli } from './support/cli.js';
import { ClusterView } from './support/cluster-view.js';
import { useE2eRuntime } from './support/e2e-runtime.js';

const rt = useE2eRuntime({ simClusters: 2 });

const spec = (name: string, clusters: string[]) => ({ name, image: `registry.example.com/e2e/${name}:1.0.0`, port: 8080, replicas: 2, clusters });

function views(): Record<string, ClusterView> {
  return Object.fromEntries(rt().runtime.simClusters.map((c) => [c.id, new ClusterView(c.kubeconfigPath)]));
}

describe('services in several clusters (issue 17)', { timeout: 90_000 }, () => {
  it('starts two simulated clusters, local the default, each with its own kubeconfig, nodes and zones, both registered', async () => {
    const clusters = rt().runtime.simClusters;
    expect(clusters.map((c) => c.id)).toEqual(['local', 'local-2']);
    expect(new Set(clusters.map((c) => c.sim.url)).size).toBe(2);
    expect(readFileSync(clusters[1].kubeconfigPath, 'utf8')).toContain(clusters[1].sim.url);
    expect(rt().logs.join('\n')).toContain(clusters[1].kubeconfigPath);

    const listed = await rt().api.expect(200, 'GET', '/v1/clusters');
    expect(listed.items.map((c: { id: string; default: boolean }) => [c.id, c.default])).toEqual([
      ['local', true],
      ['local-2', false],
    ]);
    const zones = clusters.map((c) => new Set(c.sim.faults.state().nodes.map((n) => n.zone)));
    expect([...zones[0]].sort()).toEqual(['zone-a', 'zone-b', 'zone-c']);
    expect([...zones[1]].sort()).toEqual(['local-2-zone-a', 'local-2-zone-b', 'local-2-zone-c']);
  });

  it('runs a full copy in each cluster, shows replicas ready per cluster and zone, leaves a cluster and deregisters from both', async () => {
    const name = 'cells-service';
    await rt().api.register(spec(name, ['local', 'local-2']));
    const status = await rt().api.waitForReadyReplicas(name, 4);
    expect(new Set(status.pods.map((p) => p.cluster))).toEqual(new Set(['local', 'local-2']));
    const cluster = views();
    for (const id of ['local', 'local-2']) {
      const pods = await waitFor(`2 Ready pods of ${name} in ${id}`, async () => {
        const all = await cluster[id].servicePods(name);
        return all.length === 2 && all.every((p) => p.ready) ? all : undefined;
      });
      expect(pods.every((p) => (id === 'local' ? /^zone-/.test(p.zone!) : p.zone!.startsWith('local-2-')))).toBe(true);
      expect(await cluster[id].routeWeights(name)).toEqual({ stable: 100, canary: 0 });
    }

    // The API serves what the probe observed: every cluster with its ready replicas and zones.
    const observed = await waitFor(`the probe's observation of ${name} in both clusters`, async () => {
      const s = (await rt().api.service(name)).status as (ServiceStatus & { clusters?: CellStatus[] }) | undefined;
      return s && 'clusters' in s && s.clusters?.length === 2 && s.readyReplicas === 4 ? s : undefined;
    });
    expect(observed.clusters!.map((c) => [c.cluster, 'readyReplicas' in c ? c.readyReplicas : c.error])).toEqual([
      ['local', 2],
      ['local-2', 2],
    ]);
    const cell2 = observed.clusters![1] as CellStatus & { podsPerZone: Record<string, number> };
    expect(Object.keys(cell2.podsPerZone).every((z) => z.startsWith('local-2-'))).toBe(true);
    expect(Object.values(cell2.podsPerZone).reduce((a, b) => a + b, 0)).toBe(2);

    const list = await runCli(['services', 'list', '--api', rt().url]);
    expect(list.exitCode, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/CLUSTERS/);
    expect(list.stdout).toMatch(new RegExp(`${name}\\s+default\\s+local,local-2`));

    // Leaving a cluster removes the service's objects there; the other copy stays.
    await rt().api.update(name, spec(name, ['local']));
    await waitFor(`${name} gone from local-2`, async () => ((await cluster['local-2'].deployment(name)) ? undefined : true));
    expect(await cluster.local.deployment(name)).toBeDefined();

    await rt().api.update(name, spec(name, ['local', 'local-2']));
    await waitFor(`${name} back in local-2`, async () => ((await cluster['local-2'].deployment(name)) ? true : undefined));
    await rt().api.deregister(name);
    for (const id of ['local', 'local-2']) expect((await cluster[id].managedObjects()).filter((o) => o.name.startsWith(name))).toEqual([]);
  });

  it('refuses a service naming an unregistered cluster, and a spec naming both cluster and clusters', async () => {
    const unknown = await rt().api.request('POST', '/v1/services', spec('lost-cells', ['local', 'nowhere']));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.problems).toEqual([{ path: 'clusters.1', message: 'no cluster "nowhere" is registered' }]);
    const both = await rt().api.request('POST', '/v1/services', { ...spec('both-cells', ['local']), cluster: 'local' });
    expect(both.status).toBe(400);
    expect(both.body.error.problems.map((p: { path: string }) => p.path)).toEqual(['clusters']);
  });

  it('answers 400 at registration for a simulated cluster without a url, or one that does not answer', async () => {
    const incomplete = await rt().api.request('POST', '/v1/clusters', { id: 'half', target: { kind: 'simulated' } });
    expect(incomplete.status).toBe(400);
    expect(incomplete.body.error.problems.map((p: { path: string }) => p.path)).toEqual(['target.url']);
    const unreachable = await rt().api.request('POST', '/v1/clusters', { id: 'gone', target: { kind: 'simulated', url: 'http://127.0.0.1:9' } });
    expect(unreachable.status).toBe(400);
    expect(unreachable.body.error.problems[0]).toMatchObject({ path: 'target', message: expect.stringMatching(/cannot be reached/) });
    for (const id of ['half', 'gone']) expect((await rt().api.request('GET', `/v1/clusters/${id}`)).status).toBe(404);
  });
});

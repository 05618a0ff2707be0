import { PatchStrategy, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimCluster, startSimCluster } from '../../../lib/sim/index.js';
import { clients, deployment, rolledOut, waitFor } from './sim-test-helpers.js';

let cluster: SimCluster;
let k: ReturnType<typeof clients>;

beforeAll(async () => {
  cluster = await startSimCluster({ readyDelayMs: 50, reconcileIntervalMs: 20 });
  k = clients(cluster);
});
afterAll(async () => cluster?.stop());

async function status(promise: Promise<unknown>): Promise<{ code: number; body: any }> {
  try {
    await promise;
  } catch (err: any) {
    return { code: err.code, body: typeof err.body === 'string' ? JSON.parse(err.body) : err.body };
  }
  throw new Error('expected the request to fail');
}

describe('Deployments through @kubernetes/client-node', () => {
  it('creates, lists, reads and converges to a complete rollout', async () => {
    const created = await k.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('orders', { replicas: 3 }) });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.generation).toBe(1);
    expect(created.spec?.strategy?.rollingUpdate?.maxSurge).toBe('25%');
    const done = await waitFor('orders rolled out', async () => {
      const d = await k.apps.readNamespacedDeployment({ namespace: 'default', name: 'orders' });
      return rolledOut(d) && d;
    });
    expect(done.status?.conditions?.find((c) => c.type === 'Available')?.status).toBe('True');
    const pods = await k.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=orders' });
    expect(pods.items).toHaveLength(3);
    for (const pod of pods.items) {
      expect(pod.metadata?.name).toMatch(/^orders-[bcdfghjklmnpqrstvwxz2456789]+-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      // Owned by the ReplicaSet of its template, which the Deployment owns.
      const hash = pod.metadata?.labels?.['pod-template-hash'];
      expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', name: `orders-${hash}` });
      const rs = await k.apps.readNamespacedReplicaSet({ namespace: 'default', name: `orders-${hash}` });
      expect(rs.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Deployment', name: 'orders', uid: created.metadata?.uid });
      expect(pod.status?.phase).toBe('Running');
      expect(pod.spec?.nodeName).toMatch(/^node-zone-[abc]-\d$/);
    }
  });

  it('rejects an update with a stale resourceVersion with 409 Conflict', async () => {
    const d = await k.apps.readNamespacedDeployment({ namespace: 'default', name: 'orders' });
    const first = structuredClone(d);
    first.spec!.replicas = 4;
    await k.apps.replaceNamespacedDeployment({ namespace: 'default', name: 'orders', body: first });
    const stale = structuredClone(d);
    stale.spec!.replicas = 1;
    const err = await status(k.apps.replaceNamespacedDeployment({ namespace: 'default', name: 'orders', body: stale }));
    expect(err.code).toBe(409);
    expect(err.body).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
    const now = await k.apps.readNamespacedDeployment({ namespace: 'default', name: 'orders' });
    expect(now.spec?.replicas).toBe(4);
    expect(now.metadata?.generation).toBe(2);
  });

  it('answers NotFound and AlreadyExists as Status objects, and 404 for a missing namespace', async () => {
    expect((await status(k.apps.readNamespacedDeployment({ namespace: 'default', name: 'nope' }))).body).toMatchObject({
      reason: 'NotFound',
      message: 'deployments.apps "nope" not found',
    });
    expect((await status(k.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('orders') }))).code).toBe(409);
    const missingNs = await status(k.apps.createNamespacedDeployment({ namespace: 'ghost', body: deployment('x', { namespace: 'ghost' }) }));
    expect(missingNs.body).toMatchObject({ code: 404, message: 'namespaces "ghost" not found' });
  });

  it('rejects a Deployment whose selector does not match its template as Invalid', async () => {
    const bad = deployment('bad');
    bad.spec!.selector = { matchLabels: { app: 'other' } };
    expect((await status(k.apps.createNamespacedDeployment({ namespace: 'default', body: bad }))).body).toMatchObject({ code: 422, reason: 'Invalid' });
  });

  it('rejects a resource request that is not a quantity as Invalid', async () => {
    const err = await status(k.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('badcpu', { cpu: 'lots' }) }));
    expect(err.body).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(err.body.message).toContain('spec.template.spec.containers[0].resources.requests.cpu');
  });

  it('server-side applies (create, then prune what the manager no longer applies) and merge-patches', async () => {
    const applied = deployment('cart', { annotations: { 'meshplane.io/revision': '1', 'meshplane.io/spec-hash': 'abc' } });
    const first = await k.objects.patch(applied, undefined, undefined, 'meshplane', true, PatchStrategy.ServerSideApply);
    expect(first.metadata?.annotations).toEqual({ 'meshplane.io/revision': '1', 'meshplane.io/spec-hash': 'abc' });
    const second = await k.objects.patch(
      deployment('cart', { annotations: { 'meshplane.io/revision': '2' } }),
      undefined,
      undefined,
      'meshplane',
      true,
      PatchStrategy.ServerSideApply,
    );
    // The deployment controller's own revision annotation may be there too, as on a real cluster.
    const { 'deployment.kubernetes.io/revision': _controllers, ...ours } = second.metadata?.annotations ?? {};
    expect(ours).toEqual({ 'meshplane.io/revision': '2' });
    expect(second.metadata?.managedFields?.[0]?.manager).toBe('meshplane');

    const patched = await k.objects.patch(
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'cart', namespace: 'default' }, spec: { replicas: 5 } },
      undefined,
      undefined,
      undefined,
      undefined,
      PatchStrategy.MergePatch,
    );
    expect((patched as any).spec.replicas).toBe(5);
  });

  it('requires a field manager for apply, like the API server', async () => {
    const res = await fetch(`${cluster.url}/apis/apps/v1/namespaces/default/deployments/cart`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
      body: JSON.stringify(deployment('cart')),
    });
    expect(res.status).toBe(400);
  });

  it('scales through the scale subresource', async () => {
    const res = await fetch(`${cluster.url}/apis/apps/v1/namespaces/default/deployments/cart/scale`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { replicas: 1 } }),
    });
    expect(await res.json()).toMatchObject({ kind: 'Scale', spec: { replicas: 1 }, status: { selector: 'app=cart,track=stable' } });
    expect((await k.apps.readNamespacedDeployment({ namespace: 'default', name: 'cart' })).spec?.replicas).toBe(1);
  });

  it('deletes a Deployment and garbage-collects its pods', async () => {
    await k.apps.deleteNamespacedDeployment({ namespace: 'default', name: 'orders' });
    await waitFor('orders pods gone', async () => (await k.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=orders' })).items.length === 0);
  });
});

describe('Istio custom objects', () => {
  const vs = (weight: number) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'cart', namespace: 'default', labels: { 'meshplane.io/service': 'cart' } },
    spec: {
      hosts: ['cart'],
      http: [
        {
          route: [
            { destination: { host: 'cart', subset: 'stable' }, weight: 100 - weight },
            { destination: { host: 'cart', subset: 'canary' }, weight },
          ],
        },
      ],
    },
  });

  it('creates, reads (also as v1beta1), server-side applies, lists by label and deletes', async () => {
    await k.custom.createNamespacedCustomObject({ group: 'networking.istio.io', version: 'v1', namespace: 'default', plural: 'virtualservices', body: vs(0) });
    const asBeta: any = await k.custom.getNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1beta1',
      namespace: 'default',
      plural: 'virtualservices',
      name: 'cart',
    });
    expect(asBeta.apiVersion).toBe('networking.istio.io/v1beta1');
    const applied: any = await k.objects.patch(vs(25) as never, undefined, undefined, 'meshplane', true, PatchStrategy.ServerSideApply);
    expect(applied.spec.http[0].route.map((r: any) => r.weight)).toEqual([75, 25]);
    expect(applied.metadata.generation).toBe(2);
    await k.custom.createNamespacedCustomObject({
      group: 'security.istio.io',
      version: 'v1',
      namespace: 'default',
      plural: 'authorizationpolicies',
      body: {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: 'cart-allow', labels: { 'meshplane.io/service': 'other' } },
        spec: { action: 'ALLOW' },
      },
    });
    const list: any = await k.custom.listNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1',
      namespace: 'default',
      plural: 'virtualservices',
      labelSelector: 'meshplane.io/service=cart',
    });
    expect(list.items.map((i: any) => i.metadata.name)).toEqual(['cart']);
    const policies: any = await k.custom.listClusterCustomObject({
      group: 'security.istio.io',
      version: 'v1',
      plural: 'authorizationpolicies',
      labelSelector: 'meshplane.io/service notin (cart)',
    });
    expect(policies.items.map((i: any) => i.metadata.name)).toEqual(['cart-allow']);
    await k.custom.deleteNamespacedCustomObject({ group: 'networking.istio.io', version: 'v1', namespace: 'default', plural: 'virtualservices', name: 'cart' });
    expect(
      (
        await status(
          k.custom.getNamespacedCustomObject({ group: 'networking.istio.io', version: 'v1', namespace: 'default', plural: 'virtualservices', name: 'cart' }),
        )
      ).code,
    ).toBe(404);
  });
});

describe('watch', () => {
  it('streams ADDED, MODIFIED and DELETED pod events for a label selector', async () => {
    const events: { type: string; name: string; ready: boolean }[] = [];
    const controller = await new Watch(k.kc).watch(
      '/api/v1/namespaces/default/pods',
      { labelSelector: 'app=watched' },
      (type, obj: any) =>
        events.push({ type, name: obj.metadata.name, ready: (obj.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True') }),
      () => undefined,
    );
    try {
      await k.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('watched', { replicas: 1 }) });
      await k.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('unwatched', { replicas: 1 }) });
      await waitFor('a ready event', () => events.some((e) => e.type === 'MODIFIED' && e.ready));
      await k.apps.deleteNamespacedDeployment({ namespace: 'default', name: 'watched' });
      await waitFor('a DELETED event', () => events.some((e) => e.type === 'DELETED'));
      expect(events[0].type).toBe('ADDED');
      expect(new Set(events.map((e) => e.name)).size).toBe(1);
      expect(events.every((e) => e.name.startsWith('watched-'))).toBe(true);
    } finally {
      controller.abort();
    }
  });

  it('resumes from a resourceVersion, replaying only later changes', async () => {
    const list = await k.core.listNamespacedPod({ namespace: 'default' });
    const rv = list.metadata?.resourceVersion as string;
    await k.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('later', { replicas: 1 }) });
    await waitFor('later pod', async () => (await k.core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=later' })).items.length === 1);
    const res = await fetch(`${cluster.url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${rv}&timeoutSeconds=1`);
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((e) => Number(e.object.metadata.resourceVersion) > Number(rv))).toBe(true);
    expect(lines[0]).toMatchObject({ type: 'ADDED', object: { metadata: { labels: { app: 'later' } } } });
  });
});

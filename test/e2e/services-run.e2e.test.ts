/**
 * Issue 3, "Services really run", end to end: the HTTP API, the queues and handlers, DynamoDB and the
 * simulated Kubernetes cluster in one process. Every assertion looks at an end state: the API's
 * answers, the objects and pods in the cluster (client-node and kubectl), the operation records.
 *
 * The tests in this file build on each other in order (register → inspect → scale → clean up), like an
 * operator's session against one control plane.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS, MANAGED_BY } from '../../lib/mesh/labels.js';
import { orderServiceInput, userServiceInput } from '../support/service-specs.js';
import { waitFor } from '../support/wait-for.js';
import { ISTIO_KINDS } from './support/cluster-view.js';
import { startE2eRuntime, type E2eRuntime } from './support/e2e-runtime.js';
import { findKubectl, kubectl, parseKubectlTable } from './support/kubectl.js';

const KUBECTL = findKubectl();

let rt: E2eRuntime;

beforeAll(async () => {
  rt = await startE2eRuntime();
});

afterAll(async () => {
  await rt?.stop();
});

describe('services really run (issue 3)', () => {
  it('runs the two-service example as 6 Ready pods spread over at least 2 zones', async () => {
    await rt.api.register(userServiceInput);
    await rt.api.register(orderServiceInput);

    for (const name of ['user-service', 'order-service']) {
      const status = await rt.api.waitForReadyReplicas(name, 3);
      expect(status.desiredReplicas).toBe(3);
      // podsPerZone counts Ready pods by zone: all 3 are placed, in more than one zone.
      expect(Object.values(status.podsPerZone).reduce((a, b) => a + b, 0)).toBe(3);
      expect(Object.keys(status.podsPerZone).length).toBeGreaterThanOrEqual(2);

      // The cluster itself agrees with what the API reports, pod for pod.
      const pods = await rt.cluster.servicePods(name);
      expect(pods.map((p) => ({ name: p.name, node: p.node, zone: p.zone }))).toEqual(status.pods.map((p) => ({ name: p.name, node: p.node, zone: p.zone })));
    }

    const all = [...(await rt.cluster.servicePods('user-service')), ...(await rt.cluster.servicePods('order-service'))];
    expect(all).toHaveLength(6);
    expect(all.every((p) => p.ready && p.node && p.zone)).toBe(true);
    expect(new Set(all.map((p) => p.zone)).size).toBeGreaterThanOrEqual(2);
    expect(all.filter((p) => p.name.startsWith('user-service-')).every((p) => p.image === userServiceInput.image)).toBe(true);
    expect(all.filter((p) => p.name.startsWith('order-service-')).every((p) => p.image === orderServiceInput.image)).toBe(true);
  });

  it('renders the Deployment, Service, DestinationRule, VirtualService, AuthorizationPolicy and Sidecar of each service', async () => {
    const deployment = await rt.cluster.deployment('user-service');
    expect(deployment?.spec?.replicas).toBe(3);
    expect(deployment?.metadata?.labels?.[LABELS.managedBy]).toBe(MANAGED_BY);
    expect(deployment?.spec?.template.spec?.containers[0].ports?.[0].containerPort).toBe(8080);
    expect((await rt.cluster.deployment('order-service'))?.spec?.template.spec?.containers[0].ports?.[0].containerPort).toBe(8081);

    const service = await rt.cluster.core.readNamespacedService({ name: 'user-service', namespace: 'default' });
    expect(service.spec?.selector).toEqual({ app: 'user-service' });
    expect(service.spec?.ports?.[0].port).toBe(80);

    const rule = await rt.cluster.istio(ISTIO_KINDS.DestinationRule, 'user-service');
    expect(rule?.spec.host).toBe('user-service.default.svc.cluster.local');
    expect(rule?.spec.subsets.map((s: { name: string }) => s.name)).toEqual(['stable', 'canary']);

    // No rollout runs: all traffic to stable.
    expect(await rt.cluster.routeWeights('user-service')).toEqual({ stable: 100, canary: 0 });
    expect(await rt.cluster.routeWeights('order-service')).toEqual({ stable: 100, canary: 0 });

    // Zero trust from the declared graph: user-service admits exactly order-service's identity ...
    const userPolicy = await rt.cluster.istio(ISTIO_KINDS.AuthorizationPolicy, 'user-service');
    expect(userPolicy?.spec.action).toBe('ALLOW');
    expect(userPolicy?.spec.rules).toEqual([{ from: [{ source: { principals: ['cluster.local/ns/default/sa/order-service'] } }] }]);
    // ... and order-service, which nobody declares a dependency on, admits nobody (an ALLOW without rules).
    const orderPolicy = await rt.cluster.istio(ISTIO_KINDS.AuthorizationPolicy, 'order-service');
    expect(orderPolicy?.spec.action).toBe('ALLOW');
    expect(orderPolicy?.spec.rules).toBeUndefined();

    // order-service's proxies only learn about what it calls.
    const sidecar = await rt.cluster.istio(ISTIO_KINDS.Sidecar, 'order-service');
    expect(sidecar?.spec.egress[0].hosts).toContain('default/user-service.default.svc.cluster.local');
    const userSidecar = await rt.cluster.istio(ISTIO_KINDS.Sidecar, 'user-service');
    expect(userSidecar?.spec.egress[0].hosts).not.toContain('default/order-service.default.svc.cluster.local');
  });

  it('follows a replica change: user-service goes from 3 to 5 pods without restarting any, order-service is left alone', async () => {
    const userPodsBefore = (await rt.cluster.servicePods('user-service')).map((p) => p.name);
    const orderPodsBefore = (await rt.cluster.servicePods('order-service')).map((p) => p.name);

    await rt.api.update('user-service', { ...userServiceInput, replicas: 5 });

    const status = await rt.api.waitForReadyReplicas('user-service', 5);
    expect(status.pods.every((p) => p.ready)).toBe(true);
    const record = await rt.api.service('user-service');
    expect(record.revision).toBe(2);
    expect(record.spec.replicas).toBe(5);
    expect((await rt.cluster.deployment('user-service'))?.spec?.replicas).toBe(5);
    // Scaling adds pods; the running ones stay (only a change to what the pods run restarts them).
    const userPods = (await rt.cluster.servicePods('user-service')).map((p) => p.name);
    expect(userPods).toHaveLength(5);
    expect(userPods).toEqual(expect.arrayContaining(userPodsBefore));

    expect((await rt.cluster.servicePods('order-service')).map((p) => p.name)).toEqual(orderPodsBefore);
  });

  it('shows the pods and the nodes they run on in `kubectl get pods -A -o wide`', async (ctx) => {
    ctx.skip(!KUBECTL, 'kubectl is not installed (looked in /usr/bin and PATH); the client-node checks above cover the same state');
    const result = await kubectl(KUBECTL!, rt.kubeconfigPath, ['get', 'pods', '-A', '-o', 'wide']);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);

    const rows = new Map(parseKubectlTable(result.stdout).map((row) => [row.NAME, row]));
    const pods = [...(await rt.cluster.servicePods('user-service')), ...(await rt.cluster.servicePods('order-service'))];
    expect(pods).toHaveLength(8);
    for (const pod of pods) {
      expect(rows.get(pod.name), `kubectl lists ${pod.name}`).toMatchObject({ NAMESPACE: 'default', READY: '1/1', STATUS: 'Running', NODE: pod.node });
    }
  });

  it('reports the cluster rejecting a spec as the failure reason of the registration', async () => {
    // Valid for meshplane, refused by Kubernetes: the namespace does not exist in the cluster.
    const accepted = await rt.api.expect(202, 'POST', '/v1/services', {
      name: 'ghost-service',
      namespace: 'ghost',
      image: 'registry.example.com/ghost:1.0.0',
      port: 8080,
    });
    const op = await rt.api.waitForOperation(accepted.operationId);

    expect(op.status).toBe('failed');
    expect(op.reason).toMatch(/refused/);
    expect(op.reason).toContain('namespaces "ghost" not found');
    expect((await rt.api.request('GET', '/v1/services/ghost-service')).status).toBe(404);
    expect(await rt.cluster.servicePods('ghost-service')).toEqual([]);
  });

  it('converges a registration while 30% of Kubernetes API requests fail with 500 (retries)', async () => {
    rt.sim.faults.api({ status: 500, rate: 0.3, seed: 7 });
    try {
      // The fault is in force: some plain reads fail.
      const probes = await Promise.all(Array.from({ length: 20 }, () => fetch(`${rt.sim.url}/api/v1/namespaces/default/pods`).then((r) => r.status)));
      expect(probes).toContain(500);

      const op = await rt.api.register({ name: 'flaky-service', image: 'registry.example.com/shop/flaky:1.0.0', port: 8080, replicas: 2 }, 45_000);
      expect(op.status).toBe('succeeded');
    } finally {
      rt.sim.faults.clear();
    }
    await rt.api.waitForReadyReplicas('flaky-service', 2);
    expect(await rt.cluster.routeWeights('flaky-service')).toEqual({ stable: 100, canary: 0 });
    expect(await rt.cluster.istio(ISTIO_KINDS.AuthorizationPolicy, 'flaky-service')).toBeDefined();
  });

  it('registers, lists, replaces and removes clusters, with 400 for bad input and 409 for a cluster still in use', async () => {
    const created = await rt.api.request('POST', '/v1/clusters', { id: 'staging', target: { kind: 'simulated', url: rt.sim.url } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'staging', default: false, target: { kind: 'simulated', url: rt.sim.url } });

    // Kubeconfigs come inline (paths only inside a directory the operator allows: cluster-security.e2e.test.ts).
    const kubeconfig = rt.sim.kubeconfigYaml();
    const replaced = await rt.api.request('POST', '/v1/clusters', { id: 'staging', target: { kind: 'kubeconfig', kubeconfig } });
    expect(replaced.status).toBe(200);
    expect(replaced.body.createdAt).toBe(created.body.createdAt);

    const listed = await rt.api.expect(200, 'GET', '/v1/clusters');
    expect(listed.items.map((c: { id: string; default: boolean }) => [c.id, c.default])).toEqual([
      ['local', true],
      ['staging', false],
    ]);
    // The kubeconfig holds credentials: it is never served back, only its size and digest.
    expect((await rt.api.expect(200, 'GET', '/v1/clusters/staging')).target).toEqual({
      kind: 'kubeconfig',
      kubeconfigBytes: Buffer.byteLength(kubeconfig),
      kubeconfigSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });

    const invalid = await rt.api.request('POST', '/v1/clusters', { id: 'Not_A_Label', target: { kind: 'gke' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.problems.map((p: { path: string }) => p.path).sort()).toEqual(['id', 'target.kind']);
    const badRegion = await rt.api.request('POST', '/v1/clusters', { id: 'prod', target: { kind: 'eks', name: 'prod', region: 'mars' } });
    expect(badRegion.status).toBe(400);
    expect(badRegion.body.error.problems.map((p: { path: string }) => p.path)).toEqual(['target.region']);

    // A service may only name a registered cluster.
    const unknownCluster = await rt.api.request('POST', '/v1/services', {
      name: 'lost-service',
      image: 'registry.example.com/lost:1.0.0',
      port: 8080,
      cluster: 'nowhere',
    });
    expect(unknownCluster.status).toBe(400);
    expect(unknownCluster.body.error.problems).toEqual([{ path: 'cluster', message: 'no cluster "nowhere" is registered' }]);

    const inUse = await rt.api.request('DELETE', '/v1/clusters/local');
    expect(inUse.status).toBe(409);
    expect(inUse.body.error.message).toMatch(/user-service/);
    expect(inUse.body.error.message).toMatch(/order-service/);

    expect((await rt.api.request('DELETE', '/v1/clusters/staging')).status).toBe(204);
    expect((await rt.api.request('GET', '/v1/clusters/staging')).status).toBe(404);
    expect((await rt.api.request('DELETE', '/v1/clusters/staging')).status).toBe(404);
    expect((await rt.api.expect(200, 'GET', '/v1/clusters')).items.map((c: { id: string }) => c.id)).toEqual(['local']);
  });

  it('deregistering every service leaves no meshplane object in the cluster and keeps what others created', async () => {
    const handmade = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'handmade', namespace: 'default', labels: { app: 'handmade' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'handmade' } },
        template: { metadata: { labels: { app: 'handmade' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
      },
    };
    if (KUBECTL) {
      const created = await kubectl(KUBECTL, rt.kubeconfigPath, ['create', '-f', '-'], { stdin: JSON.stringify(handmade) });
      expect(created.stderr).toBe('');
      expect(created.stdout).toContain('deployment.apps/handmade created');
    } else {
      await rt.cluster.apps.createNamespacedDeployment({ namespace: 'default', body: handmade });
    }
    await waitFor('the handmade Deployment to run a pod', async () => ((await rt.cluster.pods('app=handmade')).some((p) => p.ready) ? true : undefined));
    expect((await rt.cluster.managedObjects()).length).toBeGreaterThan(0);

    const registered = (await rt.api.expect(200, 'GET', '/v1/services?limit=100')).items.map((s: { name: string }) => s.name).sort();
    expect(registered).toEqual(['flaky-service', 'order-service', 'user-service']);
    for (const name of registered) await rt.api.deregister(name);

    // Deployments go at once; their pods are garbage-collected by the cluster shortly after.
    const left = await waitFor('the cluster to be free of meshplane objects', async () => {
      const objects = await rt.cluster.managedObjects();
      return objects.length === 0 ? objects : undefined;
    });
    expect(left).toEqual([]);
    expect(await rt.cluster.pods(`${LABELS.service}`)).toEqual([]);

    expect(await rt.cluster.deployment('handmade')).toBeDefined();
    expect((await rt.cluster.pods('app=handmade')).length).toBe(1);
    expect((await rt.api.request('GET', '/v1/services/user-service')).status).toBe(404);
    expect((await rt.api.expect(200, 'GET', '/v1/services')).items).toEqual([]);
  });
});

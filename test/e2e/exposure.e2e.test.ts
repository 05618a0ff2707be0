/**
 * Issue 16, from outside the mesh to a service and back, end to end on the local runtime and the
 * simulated cluster: the README's two services with order-service exposed as `LoadBalancer` (kubectl
 * shows the NLB Service with its address, the API shows the address, edge traffic reaches order-service),
 * a `Gateway` exposure whose canary splits edge traffic by weight, dependency URLs in the containers,
 * and a lost node in the affected service's audit trail. Assertions look at end states only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderServiceInput, userServiceInput } from '../support/service-specs.js';
import { waitFor } from '../support/wait-for.js';
import { ISTIO_KINDS } from './support/cluster-view.js';
import { startE2eRuntime, type E2eRuntime } from './support/e2e-runtime.js';
import { findKubectl, kubectl, parseKubectlTable } from './support/kubectl.js';

const KUBECTL = findKubectl();
/** Edge requests per second the simulated cluster sends into each exposed service; nothing else comes from outside. */
const EDGE_RPS = 30;

let rt: E2eRuntime;

beforeAll(async () => {
  rt = await startE2eRuntime({ sim: { externalRps: 0, edgeRps: EDGE_RPS } });
});

afterAll(async () => {
  await rt?.stop();
});

/** One instant-vector query against the simulated cluster's Prometheus API: value by the given label. */
async function promQuery(query: string, by: string): Promise<Record<string, number>> {
  const res = await fetch(`${rt.sim.url}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  return Object.fromEntries(body.data.result.map((r) => [r.metric[by] ?? '', Number(r.value[1])]));
}

describe('exposure (issue 16)', () => {
  it('exposes order-service through an NLB: LoadBalancer Service with the AWS annotations and an external address', async () => {
    await rt.api.register(userServiceInput);
    await rt.api.register({ ...orderServiceInput, expose: { type: 'LoadBalancer', port: 80 } });
    await rt.api.waitForReadyReplicas('order-service', 3);

    const service = await waitFor('order-service to get a load balancer address', async () => {
      const s = await rt.cluster.core.readNamespacedService({ name: 'order-service', namespace: 'default' });
      return s.status?.loadBalancer?.ingress?.length ? s : undefined;
    });
    expect(service.spec?.type).toBe('LoadBalancer');
    expect(service.metadata?.annotations).toMatchObject({
      'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
      'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
      'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing',
    });
    expect(service.spec?.ports?.map((p) => [p.port, p.targetPort])).toEqual([[80, 8081]]);
    const hostname = service.status!.loadBalancer!.ingress![0].hostname!;
    expect(hostname).toMatch(/\.elb\.us-east-1\.amazonaws\.com$/);

    // The API serves what the probe last observed: the same address, without calling the cluster.
    const observed = await waitFor('the API to show the address', async () => {
      const status = (await rt.api.service('order-service')).status as Record<string, any> | undefined;
      return status?.exposure?.addresses?.length ? status.exposure : undefined;
    });
    expect(observed).toEqual({ type: 'LoadBalancer', port: 80, addresses: [hostname] });

    // Only the exposed service admits requests from outside the mesh; user-service still admits order-service alone.
    const orderPolicy = await rt.cluster.istio(ISTIO_KINDS.AuthorizationPolicy, 'order-service');
    expect(orderPolicy?.spec.rules).toEqual([{ from: [{ source: { notPrincipals: ['*'] } }], to: [{ operation: { ports: ['8081'] } }] }]);
    const userPolicy = await rt.cluster.istio(ISTIO_KINDS.AuthorizationPolicy, 'user-service');
    expect(userPolicy?.spec.rules).toEqual([{ from: [{ source: { principals: ['cluster.local/ns/default/sa/order-service'] } }] }]);
  });

  it.skipIf(!KUBECTL)('kubectl shows the LoadBalancer Service with its external address and the NLB annotations', async () => {
    const table = parseKubectlTable((await kubectl(KUBECTL!, rt.kubeconfigPath, ['get', 'svc', 'order-service'])).stdout);
    expect(table[0]).toMatchObject({ NAME: 'order-service', TYPE: 'LoadBalancer' });
    expect(table[0]['EXTERNAL-IP']).toMatch(/\.elb\.us-east-1\.amazonaws\.com$/);
    const yaml = (await kubectl(KUBECTL!, rt.kubeconfigPath, ['get', 'svc', 'order-service', '-o', 'yaml'])).stdout;
    expect(yaml).toContain('service.beta.kubernetes.io/aws-load-balancer-nlb-target-type: ip');
    expect(yaml).toContain('service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing');
    expect(yaml).toContain('type: LoadBalancer');
  });

  it('sends edge traffic into order-service and its declared calls on to user-service', async () => {
    const query = 'sum by (destination_workload) (rate(istio_requests_total{reporter="destination"}[60s]))';
    const rates = await waitFor(
      'edge traffic in the metrics',
      async () => {
        const r = await promQuery(query, 'destination_workload');
        return Math.abs((r['order-service'] ?? 0) - EDGE_RPS) < 0.5 && Math.abs((r['user-service'] ?? 0) - 50) < 0.5 ? r : undefined;
      },
      { timeoutMs: 60_000 },
    );
    // Nothing comes from outside but the edge (externalRps 0): order-service serves the edge load alone.
    expect(rates['order-service']).toBeCloseTo(EDGE_RPS, 0);
    expect(rates['user-service']).toBeCloseTo(50, 0);
  });

  it('gives each dependency to the container as a URL with its DNS name', async () => {
    const container = (await rt.cluster.deployment('order-service'))!.spec!.template.spec!.containers[0];
    expect(container.env).toContainEqual({ name: 'USER_SERVICE_URL', value: 'http://user-service.default.svc.cluster.local' });
  });

  it('splits edge traffic through the ingress gateway by the canary weight', { timeout: 150_000 }, async () => {
    const rollout = {
      steps: [
        { weight: 25, pauseSeconds: 30, gate: 'manual' as const },
        { weight: 100, pauseSeconds: 0 },
      ],
    };
    await rt.api.register({
      name: 'storefront',
      image: 'registry.example.com/shop/storefront:1.0.0',
      port: 8080,
      replicas: 4,
      rollout,
      expose: { type: 'Gateway', hosts: ['shop.example.com'] },
    });
    await rt.api.waitForReadyReplicas('storefront', 4);
    const gateway = await rt.cluster.istio(ISTIO_KINDS.Gateway, 'storefront');
    expect(gateway?.spec).toEqual({
      selector: { istio: 'ingressgateway' },
      servers: [{ port: { number: 80, name: 'http-80', protocol: 'HTTP' }, hosts: ['shop.example.com'] }],
    });
    const vs = await rt.cluster.istio(ISTIO_KINDS.VirtualService, 'storefront');
    expect(vs?.spec.gateways).toEqual(['mesh', 'default/storefront']);
    const policy = await rt.cluster.istio(ISTIO_KINDS.AuthorizationPolicy, 'storefront');
    expect(policy?.spec.rules).toEqual([{ from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } }] }]);

    const deploy = await rt.api.deploy('storefront', { image: 'registry.example.com/shop/storefront:1.1.0' });
    await rt.api.waitForDeployment('storefront', deploy.deploymentId, 'paused at the 25% gate', (d) => d.status === 'paused', 60_000);
    expect(await rt.cluster.routeWeights('storefront')).toEqual({ stable: 75, canary: 25 });

    // The ingress gateway's proxy reports what it sent to each workload: 75% stable, 25% canary.
    const query = 'sum by (destination_workload) (rate(istio_requests_total{reporter="source",source_workload="istio-ingressgateway"}[30s]))';
    const split = await waitFor(
      'edge traffic split by the canary weight',
      async () => {
        const r = await promQuery(query, 'destination_workload');
        const stable = r.storefront ?? 0;
        const canary = r['storefront-canary'] ?? 0;
        // A 30 s window fills after the weight change: wait until it holds only traffic at the new weight.
        return Math.abs(stable - EDGE_RPS * 0.75) < 0.5 && Math.abs(canary - EDGE_RPS * 0.25) < 0.5 ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    expect(split.storefront).toBeCloseTo(EDGE_RPS * 0.75, 0);
    expect(split['storefront-canary']).toBeCloseTo(EDGE_RPS * 0.25, 0);
    expect(split['order-service']).toBeUndefined(); // an NLB is not the ingress gateway

    await rt.api.expect(202, 'POST', `/v1/services/storefront/deployments/${deploy.deploymentId}/abort`);
    await rt.api.waitForDeploymentEnd('storefront', deploy.deploymentId);

    // The probes since registration compared the exposed services' live objects (status and all) with
    // what meshplane renders: nothing was ever out of line, so nothing was re-applied.
    for (const name of ['order-service', 'storefront']) expect((await rt.api.events(name)).map((e) => e.type)).not.toContain('DriftRepaired');
  });

  it('records a lost node, the evicted pods and its return in the affected service’s trail', async () => {
    const pods = await rt.cluster.servicePods('user-service');
    const node = pods[0].node!;
    const onNode = pods
      .filter((p) => p.node === node)
      .map((p) => p.name)
      .sort();
    // Let the probe see where the pods run before the node goes.
    await waitFor('the probe to observe user-service', async () => {
      const status = (await rt.api.service('user-service')).status as { observedAt?: string } | undefined;
      return status?.observedAt ? true : undefined;
    });
    const seen = Date.now();
    await waitFor('one more probe', async () => {
      const status = (await rt.api.service('user-service')).status as { observedAt?: string } | undefined;
      return status?.observedAt && Date.parse(status.observedAt) > seen ? true : undefined;
    });
    rt.sim.faults.nodeDown(node);
    try {
      const lost = await waitFor(`a NodeNotReady event for ${node}`, async () =>
        (await rt.api.events('user-service')).find((e) => e.type === 'NodeNotReady' && (e.data as { node?: string }).node === node),
      );
      expect(lost.message).toContain(`node ${node}`);
      const data = lost.data as { evicted: string[]; stillOnNode: string[] };
      expect([...data.evicted, ...data.stillOnNode].sort()).toEqual(expect.arrayContaining(onNode));
      // Evicted pods are named once they are gone (at once or in a later PodsEvicted).
      await waitFor('the evictions in the trail', async () => {
        const events = (await rt.api.events('user-service')).filter((e) => ['NodeNotReady', 'PodsEvicted'].includes(e.type));
        const evicted = events.flatMap((e) => (e.data as { evicted: string[] }).evicted);
        return onNode.every((p) => evicted.includes(p)) ? true : undefined;
      });
      expect((await rt.api.events('user-service')).filter((e) => e.type === 'NodeNotReady')).toHaveLength(1);
    } finally {
      rt.sim.faults.nodeUp(node);
    }
    await waitFor(`a NodeReady event for ${node}`, async () =>
      (await rt.api.events('user-service')).find((e) => e.type === 'NodeReady' && (e.data as { node?: string }).node === node),
    );
  });

  it('escalates a stable image that keeps crash-looping once, then stays quiet while nothing changes', async () => {
    const image = 'registry.example.com/shop/ledger:1.0.0';
    rt.sim.faults.crashLoop(image);
    await rt.api.register({ name: 'ledger', image, port: 8080, replicas: 2 });
    const escalated = await waitFor('the escalation', async () => (await rt.api.events('ledger')).find((e) => e.type === 'RemediationEscalated'), {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    expect(escalated.message).toContain('A person should');
    expect(escalated.message).toContain('meshplane deploy ledger');
    const trailAt = (await rt.api.events('ledger')).length;
    // Ten more probes of the same crash loop (each writes a new observation): nothing more is said or done.
    const observations = new Set<string>();
    await waitFor(
      'ten more probes',
      async () => {
        const status = (await rt.api.service('ledger')).status as { observedAt?: string } | undefined;
        if (status?.observedAt) observations.add(status.observedAt);
        return observations.size > 10 ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    const trail = await rt.api.events('ledger');
    expect(trail.length).toBe(trailAt);
    expect(trail.filter((e) => e.type === 'RemediationEscalated')).toHaveLength(1);
  }, 180_000);
});

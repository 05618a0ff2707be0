import type { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimCluster, startSimCluster } from '../../../lib/sim/index.js';
import { loadBalancerHostname } from '../../../lib/sim/load-balancer-controller.js';
import { computeTraffic } from '../../../lib/sim/traffic-model.js';
import { clients, deployment, waitFor } from './sim-test-helpers.js';
import { workload } from './traffic-fixtures.js';

const settings = { externalRps: 20, edgeRps: 40, behaviour: () => ({ errorRate: 0.001, p99LatencyMs: 40 }) };

const weights = (canary: number) => [
  {
    namespace: 'default',
    name: 'order',
    hosts: ['order.default.svc.cluster.local', 'shop.example.com'],
    route: [
      { subset: 'stable', weight: 100 - canary },
      { subset: 'canary', weight: canary },
    ],
  },
];

describe('computeTraffic: edge load into exposed services', () => {
  const order = workload('order', 'order', 'stable', 3, { dependencies: [{ service: 'user', rps: 50 }] });
  const orderCanary = workload('order-canary', 'order', 'canary', 1, { dependencies: [{ service: 'user', rps: 50 }] });
  const user = workload('user', 'user', 'stable', 3);

  it('an exposed service gets the edge load instead of the base external load; its callees still get the declared calls', () => {
    const traffic = computeTraffic([order, user], [], [], settings, [{ namespace: 'default', service: 'order', via: 'LoadBalancer' }]);
    const byName = Object.fromEntries(traffic.map((t) => [t.name, t]));
    expect(byName.order.rps).toBeCloseTo(40, 9);
    expect(byName.order.edge).toEqual({ via: 'LoadBalancer', rps: 40 });
    expect(byName.user.rps).toBeCloseTo(50, 9);
    expect(byName.user.edge).toBeUndefined();
  });

  it('a called service that is exposed gets both its callers’ calls and the edge load', () => {
    const traffic = computeTraffic([order, user], [], [], settings, [{ namespace: 'default', service: 'user', via: 'LoadBalancer' }]);
    expect(traffic.find((t) => t.name === 'user')!.rps).toBeCloseTo(90, 9);
  });

  it('through a Gateway, edge requests follow the VirtualService weights', () => {
    const traffic = computeTraffic([order, orderCanary, user], weights(25), [], settings, [{ namespace: 'default', service: 'order', via: 'Gateway' }]);
    const byName = Object.fromEntries(traffic.map((t) => [t.name, t]));
    expect(byName.order.edge!.rps).toBeCloseTo(30, 9);
    expect(byName['order-canary'].edge!.rps).toBeCloseTo(10, 9);
  });

  it('through an NLB (target type ip), edge requests spread over all ready pods whatever the weights', () => {
    const traffic = computeTraffic([order, orderCanary, user], weights(0), [], settings, [{ namespace: 'default', service: 'order', via: 'LoadBalancer' }]);
    const byName = Object.fromEntries(traffic.map((t) => [t.name, t]));
    expect(byName.order.edge!.rps).toBeCloseTo(30, 9);
    expect(byName['order-canary'].edge!.rps).toBeCloseTo(10, 9);
  });
});

describe('simulated cluster: load balancers and edge metrics', () => {
  let cluster: SimCluster;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  beforeAll(async () => {
    cluster = await startSimCluster({ readyDelayMs: 0, externalRps: 0, edgeRps: 40 });
    ({ core, custom } = clients(cluster));
  });
  afterAll(async () => cluster?.stop());

  it('assigns a LoadBalancer Service an NLB host name and drops it when the type changes', async () => {
    const annotations = { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal' };
    await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name: 'edge', annotations },
        spec: { type: 'LoadBalancer', selector: { app: 'edge' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
      },
    });
    const hostname = await waitFor(
      'an address',
      async () => (await core.readNamespacedService({ namespace: 'default', name: 'edge' })).status?.loadBalancer?.ingress?.[0]?.hostname,
    );
    expect(hostname).toMatch(/^internal-k8s-default-edge-[0-9a-f]{10}-[0-9a-f]{16}\.elb\.us-east-1\.amazonaws\.com$/);
    const live = await core.readNamespacedService({ namespace: 'default', name: 'edge' });
    expect(hostname).toBe(loadBalancerHostname(live as never));

    await core.patchNamespacedService({ namespace: 'default', name: 'edge', body: [{ op: 'replace', path: '/spec/type', value: 'ClusterIP' }] });
    await waitFor(
      'the address to go',
      async () => !(await core.readNamespacedService({ namespace: 'default', name: 'edge' })).status?.loadBalancer?.ingress?.length,
    );
  });

  it('reports the ingress gateway’s calls into a Gateway-exposed service', async () => {
    const { apps } = clients(cluster);
    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('front', { replicas: 2 }) });
    await custom.createNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1',
      namespace: 'default',
      plural: 'virtualservices',
      body: {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'front' },
        spec: {
          hosts: ['front.default.svc.cluster.local', 'front.example.com'],
          gateways: ['mesh', 'default/front'],
          http: [{ route: [{ destination: { host: 'front.default.svc.cluster.local' } }] }],
        },
      },
    });
    const query = 'sum(rate(istio_requests_total{reporter="source",source_workload="istio-ingressgateway",destination_workload="front"}[30s]))';
    const rate = await waitFor('edge calls in the metrics', async () => {
      await cluster.advanceTime(40);
      const body = (await (await fetch(`${cluster.url}/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as {
        data: { result: { value: [number, string] }[] };
      };
      const value = Number(body.data.result[0]?.value[1] ?? 0);
      return value > 0 ? value : undefined;
    });
    expect(rate).toBeCloseTo(40, 0);
  });
});

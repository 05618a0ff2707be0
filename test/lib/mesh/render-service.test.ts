import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/errors.js';
import { renderService, type RenderContext } from '../../../lib/mesh/render-service.js';
import { toYaml } from '../../../lib/mesh/yaml.js';
import type { KubeObject } from '../../../lib/model/kube-object.js';
import type { ServiceSpec } from '../../../lib/model/service-spec.js';
import { orderService, orderServiceCanaryContext, orderServiceContext, spec, userService, userServiceContext } from './fixtures.js';

type Obj = Record<string, any>;

function find(objects: KubeObject[], kind: string, name: string): Obj {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in [${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}]`);
  return found as Obj;
}

/** True when a `matchLabels` selector selects a pod with `labels`. */
function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

const podLabels = (deployment: Obj): Record<string, string> => deployment.spec.template.metadata.labels;
const container = (deployment: Obj): Obj => deployment.spec.template.spec.containers[0];

const shopSpec = spec({
  name: 'cart',
  namespace: 'shop',
  image: 'registry.example.com/shop/cart:3.1.0',
  port: 9000,
  servicePort: 8080,
  replicas: 4,
  dependencies: [
    { service: 'pricing', rps: 120 },
    { service: 'inventory', rps: 30.5 },
  ],
  env: { ZONE: 'eu', ALPHA: 'yes', MIDDLE: '1' },
});
const shopContext: RenderContext = {
  revision: 7,
  callers: [
    { name: 'web', namespace: 'frontend' },
    { name: 'checkout', namespace: 'shop' },
  ],
  dependencies: [
    { name: 'pricing', namespace: 'catalog' },
    { name: 'inventory', namespace: 'shop' },
  ],
};

describe('renderService: objects and apply order', () => {
  it('renders identity and policy before workloads, and the VirtualService last', () => {
    const names = renderService(orderService, orderServiceContext).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names).toEqual([
      'ServiceAccount/order-service',
      'AuthorizationPolicy/order-service',
      'Sidecar/order-service',
      'DestinationRule/order-service',
      'Service/order-service',
      'PodDisruptionBudget/order-service',
      'Deployment/order-service',
      'VirtualService/order-service',
    ]);
  });

  it('adds the preview Service and canary Deployment only when asked for', () => {
    const names = renderService(orderService, { ...orderServiceCanaryContext, preview: true }).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names).toEqual([
      'ServiceAccount/order-service',
      'AuthorizationPolicy/order-service',
      'Sidecar/order-service',
      'DestinationRule/order-service',
      'Service/order-service',
      'Service/order-service-preview',
      'PodDisruptionBudget/order-service',
      'Deployment/order-service',
      'Deployment/order-service-canary',
      'VirtualService/order-service',
    ]);
  });

  it('puts every object in the spec namespace with the ownership labels', () => {
    const objects = renderService(shopSpec, { ...shopContext, preview: true, canary: { image: 'cart:3.2.0', replicas: 1, revision: 8 } });
    for (const object of objects) {
      expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe('shop');
      expect(object.metadata.labels).toMatchObject({ app: 'cart', 'app.kubernetes.io/managed-by': 'meshplane', 'meshplane.io/service': 'cart' });
    }
  });
});

describe('renderService: stable Deployment', () => {
  const deployment = find(renderService(shopSpec, shopContext), 'Deployment', 'cart');

  it('selects its own pods by app and track, and labels them with the revision', () => {
    expect(deployment.spec.selector.matchLabels).toEqual({ app: 'cart', track: 'stable' });
    expect(selects(deployment.spec.selector.matchLabels, podLabels(deployment))).toBe(true);
    expect(podLabels(deployment)).toMatchObject({ track: 'stable', version: 'r7', 'sidecar.istio.io/inject': 'true' });
    expect(deployment.metadata.labels).toMatchObject({ track: 'stable', version: 'r7' });
    expect(deployment.spec.replicas).toBe(4);
  });

  it('records revision, spec hash and the dependency graph in annotations', () => {
    const annotations = deployment.metadata.annotations;
    expect(annotations['meshplane.io/revision']).toBe('7');
    expect(annotations['meshplane.io/spec-hash']).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.parse(annotations['meshplane.io/dependencies'])).toEqual([
      { service: 'inventory', rps: 30.5 },
      { service: 'pricing', rps: 120 },
    ]);
  });

  it('runs one container named after the service on its port, with sorted env and a URL per dependency', () => {
    const c = container(deployment);
    expect(c.name).toBe('cart');
    expect(c.image).toBe('registry.example.com/shop/cart:3.1.0');
    expect(c.ports).toEqual([{ name: 'http', containerPort: 9000, protocol: 'TCP' }]);
    expect(c.env).toEqual([
      { name: 'ALPHA', value: 'yes' },
      { name: 'INVENTORY_URL', value: 'http://inventory.shop.svc.cluster.local' },
      { name: 'MIDDLE', value: '1' },
      { name: 'PRICING_URL', value: 'http://pricing.catalog.svc.cluster.local' },
      { name: 'ZONE', value: 'eu' },
    ]);
    expect(deployment.spec.template.spec.serviceAccountName).toBe('cart');
  });

  it('leaves env out when the spec has none', () => {
    expect(container(find(renderService(userService, userServiceContext), 'Deployment', 'user-service'))).not.toHaveProperty('env');
  });

  it.each([
    { resources: undefined, requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '128Mi' } },
    { resources: { cpu: 250, memory: 512 }, requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '512Mi' } },
    { resources: { cpu: 500, memory: 1024, cpuLimit: 2000 }, requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '1Gi' } },
    { resources: { cpu: 1500, memory: 256, memoryLimit: 384 }, requests: { cpu: '1500m', memory: '256Mi' }, limits: { memory: '384Mi' } },
  ])('resources $resources → requests $requests, limits $limits', ({ resources, requests, limits }) => {
    const s = spec({ name: 'r', image: 'r:1', port: 80, resources });
    const c = container(find(renderService(s, { revision: 1, callers: [], dependencies: [] }), 'Deployment', 'r'));
    expect(c.resources).toEqual({ requests, limits });
  });

  it.each([
    { probes: undefined, readiness: undefined, liveness: undefined },
    {
      probes: { readiness: {} },
      readiness: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 0, periodSeconds: 10 },
      liveness: undefined,
    },
    {
      probes: { liveness: { path: '/live', periodSeconds: 20, initialDelaySeconds: 15 } },
      readiness: undefined,
      liveness: { httpGet: { path: '/live', port: 'http' }, initialDelaySeconds: 15, periodSeconds: 20 },
    },
  ])('probes $probes', ({ probes, readiness, liveness }) => {
    const s = spec({ name: 'p', image: 'p:1', port: 80, probes });
    const c = container(find(renderService(s, { revision: 1, callers: [], dependencies: [] }), 'Deployment', 'p'));
    expect(c.readinessProbe).toEqual(readiness);
    expect(c.livenessProbe).toEqual(liveness);
    expect('readinessProbe' in c).toBe(readiness !== undefined);
    expect('livenessProbe' in c).toBe(liveness !== undefined);
  });

  it('spreads pods across zones and nodes, counting only its own pods', () => {
    const constraints: Obj[] = deployment.spec.template.spec.topologySpreadConstraints;
    expect(constraints.map((c) => c.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    expect(constraints.map((c) => c.whenUnsatisfiable)).toEqual(['ScheduleAnyway', 'DoNotSchedule']);
    // Zone: a preference; node: the availability limit.
    expect(constraints.map((c) => c.maxSkew)).toEqual([1, 1]);
    for (const c of constraints) expect(selects(c.labelSelector.matchLabels, podLabels(deployment))).toBe(true);
  });

  it.each([
    { replicas: 3, availability: undefined, limit: 1 },
    { replicas: 9, availability: undefined, limit: 3 },
    { replicas: 10, availability: { maxPerNode: 5 }, limit: 5 },
  ])('keeps at most $limit of $replicas pods per node, in the scheduler and the PodDisruptionBudget', ({ replicas, availability, limit }) => {
    const spec = { ...shopSpec, replicas, availability };
    const objects = renderService(spec, shopContext);
    const hostname = (find(objects, 'Deployment', 'cart').spec.template.spec.topologySpreadConstraints as Obj[]).find(
      (c) => c.topologyKey === 'kubernetes.io/hostname',
    )!;
    expect(hostname).toMatchObject({ maxSkew: limit, whenUnsatisfiable: 'DoNotSchedule', nodeTaintsPolicy: 'Honor' });
    const pdb = find(objects, 'PodDisruptionBudget', 'cart');
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec).toEqual({ maxUnavailable: limit, selector: { matchLabels: { app: 'cart', track: 'stable' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    expect(selects(pdb.spec.selector.matchLabels, podLabels(find(objects, 'Deployment', 'cart')))).toBe(true);
  });

  it('without placement or restart: only the move-target preference (a node label the optimizer sets for one move), no pod annotations', () => {
    expect(deployment.spec.template.spec.affinity).toEqual({
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 100, preference: { matchExpressions: [{ key: 'placement.meshplane.io/cart', operator: 'In', values: ['next'] }] } },
        ],
      },
    });
    expect(deployment.spec.template.metadata).not.toHaveProperty('annotations');
  });

  it('pins stable pods with node affinity from the placement', () => {
    const objects = renderService(shopSpec, {
      ...shopContext,
      placement: { requiredNodes: ['node-b', 'node-a'], preferredNodes: [{ node: 'node-b', weight: 80 }] },
      canary: { image: 'cart:3.2.0', replicas: 1, revision: 8 },
    });
    const affinity = find(objects, 'Deployment', 'cart').spec.template.spec.affinity.nodeAffinity;
    expect(affinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-a', 'node-b'] }] },
    ]);
    expect(affinity.preferredDuringSchedulingIgnoredDuringExecution).toEqual([
      { weight: 80, preference: { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-b'] }] } },
      { weight: 100, preference: { matchExpressions: [{ key: 'placement.meshplane.io/cart', operator: 'In', values: ['next'] }] } },
    ]);
    expect(find(objects, 'Deployment', 'cart-canary').spec.template.spec).not.toHaveProperty('affinity');
  });

  it('restarts pods through the restarted-at pod template annotation', () => {
    const objects = renderService(shopSpec, { ...shopContext, restartedAt: '2025-03-01T12:00:00Z' });
    expect(find(objects, 'Deployment', 'cart').spec.template.metadata.annotations).toEqual({ 'meshplane.io/restarted-at': '2025-03-01T12:00:00Z' });
  });
});

describe('renderService: canary Deployment', () => {
  const objects = renderService(orderService, orderServiceCanaryContext);
  const stable = find(objects, 'Deployment', 'order-service');
  const canary = find(objects, 'Deployment', 'order-service-canary');

  it('runs the canary image and revision on its own track', () => {
    expect(container(canary).image).toBe('registry.example.com/shop/order-service:2.1.0');
    expect(canary.spec.replicas).toBe(1);
    expect(podLabels(canary)).toMatchObject({ app: 'order-service', track: 'canary', version: 'r2' });
    expect(canary.metadata.annotations['meshplane.io/revision']).toBe('2');
    expect(container(stable).image).toBe('registry.example.com/shop/order-service:2.0.0');
  });

  it('does not overlap the stable Deployment', () => {
    expect(selects(canary.spec.selector.matchLabels, podLabels(canary))).toBe(true);
    expect(selects(canary.spec.selector.matchLabels, podLabels(stable))).toBe(false);
    expect(selects(stable.spec.selector.matchLabels, podLabels(canary))).toBe(false);
  });

  it('carries a different spec hash from the stable spec, because its image differs', () => {
    expect(canary.metadata.annotations['meshplane.io/spec-hash']).not.toBe(stable.metadata.annotations['meshplane.io/spec-hash']);
  });

  it('is absent without a running canary', () => {
    expect(renderService(orderService, orderServiceContext).some((o) => o.metadata.name === 'order-service-canary')).toBe(false);
  });
});

describe('renderService: Services', () => {
  const objects = renderService(shopSpec, { ...shopContext, preview: true, canary: { image: 'cart:3.2.0', replicas: 1, revision: 8 } });
  const service = find(objects, 'Service', 'cart');
  const preview = find(objects, 'Service', 'cart-preview');
  const stable = find(objects, 'Deployment', 'cart');
  const canary = find(objects, 'Deployment', 'cart-canary');

  it('serves both tracks on the service port, wired to the container port by name', () => {
    expect(service.spec.type).toBe('ClusterIP');
    expect(selects(service.spec.selector, podLabels(stable))).toBe(true);
    expect(selects(service.spec.selector, podLabels(canary))).toBe(true);
    expect(service.spec.ports).toHaveLength(1);
    expect(service.spec.ports[0]).toMatchObject({ name: 'http', port: 8080 });
    expect(container(stable).ports.map((p: Obj) => p.name)).toContain(service.spec.ports[0].targetPort);
  });

  it('the preview Service selects the canary pods only', () => {
    expect(selects(preview.spec.selector, podLabels(canary))).toBe(true);
    expect(selects(preview.spec.selector, podLabels(stable))).toBe(false);
    expect(preview.spec.ports[0]).toMatchObject({ name: 'http', port: 8080, targetPort: 'http' });
  });
});

describe('renderService: DestinationRule and VirtualService', () => {
  const tuned = spec({
    name: 'tuned',
    namespace: 'ops',
    image: 'tuned:1',
    port: 80,
    mesh: {
      timeoutMs: 1500,
      retries: { attempts: 4, perTryTimeoutMs: 250, retryOn: 'gateway-error' },
      circuitBreaker: {
        consecutive5xxErrors: 7,
        intervalSeconds: 90,
        baseEjectionSeconds: 45,
        maxEjectionPercent: 20,
        maxConnections: 300,
        maxPendingRequests: 60,
      },
    },
  });
  const objects = renderService(tuned, { revision: 1, callers: [], dependencies: [], canary: { image: 'tuned:2', replicas: 1, revision: 2 } });
  const rule = find(objects, 'DestinationRule', 'tuned');
  const virtualService = find(objects, 'VirtualService', 'tuned');

  it('addresses the service by its cluster DNS name', () => {
    expect(rule.spec.host).toBe('tuned.ops.svc.cluster.local');
    expect(virtualService.spec.hosts).toEqual(['tuned.ops.svc.cluster.local']);
  });

  it('defines a subset per track that matches that track’s pods', () => {
    const subsets: Obj[] = rule.spec.subsets;
    expect(subsets.map((s) => s.name)).toEqual(['stable', 'canary']);
    const stableSubset = subsets.find((s) => s.name === 'stable')!;
    const canarySubset = subsets.find((s) => s.name === 'canary')!;
    expect(selects(stableSubset.labels, podLabels(find(objects, 'Deployment', 'tuned')))).toBe(true);
    expect(selects(canarySubset.labels, podLabels(find(objects, 'Deployment', 'tuned-canary')))).toBe(true);
    expect(selects(canarySubset.labels, podLabels(find(objects, 'Deployment', 'tuned')))).toBe(false);
  });

  it('takes the circuit breaker from the mesh policy, durations in seconds', () => {
    expect(rule.spec.trafficPolicy).toEqual({
      connectionPool: { tcp: { maxConnections: 300 }, http: { http1MaxPendingRequests: 60 } },
      outlierDetection: { consecutive5xxErrors: 7, interval: '90s', baseEjectionTime: '45s', maxEjectionPercent: 20 },
    });
  });

  it('takes timeout and retries from the mesh policy', () => {
    const route = virtualService.spec.http[0];
    expect(route.timeout).toBe('1.5s');
    expect(route.retries).toEqual({ attempts: 4, perTryTimeout: '0.25s', retryOn: 'gateway-error' });
  });

  it('routes only to subsets the DestinationRule defines, on the same host', () => {
    const subsetNames = rule.spec.subsets.map((s: Obj) => s.name);
    for (const r of virtualService.spec.http[0].route) {
      expect(subsetNames).toContain(r.destination.subset);
      expect(r.destination.host).toBe(rule.spec.host);
    }
  });

  it.each([
    { split: undefined, stable: 100, canary: 0 },
    { split: { canaryWeight: 0 }, stable: 100, canary: 0 },
    { split: { canaryWeight: 10 }, stable: 90, canary: 10 },
    { split: { canaryWeight: 50 }, stable: 50, canary: 50 },
    { split: { canaryWeight: 100 }, stable: 0, canary: 100 },
  ])('traffic split $split → stable $stable / canary $canary', ({ split, stable, canary }) => {
    const ctx: RenderContext = { ...orderServiceCanaryContext, trafficSplit: split };
    const route: Obj[] = find(renderService(orderService, ctx), 'VirtualService', 'order-service').spec.http[0].route;
    const weightOf = (subset: string) => route.find((r) => r.destination.subset === subset)!.weight;
    expect({ stable: weightOf('stable'), canary: weightOf('canary') }).toEqual({ stable, canary });
    expect(route.reduce((sum, r) => sum + r.weight, 0)).toBe(100);
  });
});

describe('renderService: AuthorizationPolicy', () => {
  it('allows only the callers’ principals, sorted and without duplicates', () => {
    const callers = [...shopContext.callers, { name: 'web', namespace: 'frontend' }];
    const objects = renderService(shopSpec, { ...shopContext, callers });
    const policy = find(objects, 'AuthorizationPolicy', 'cart');
    expect(policy.apiVersion).toBe('security.istio.io/v1');
    expect(policy.spec.action).toBe('ALLOW');
    expect(selects(policy.spec.selector.matchLabels, podLabels(find(objects, 'Deployment', 'cart')))).toBe(true);
    expect(policy.spec.rules).toEqual([{ from: [{ source: { principals: ['cluster.local/ns/frontend/sa/web', 'cluster.local/ns/shop/sa/checkout'] } }] }]);
  });

  it('the principal of a caller is the ServiceAccount that caller’s own rendering creates', () => {
    const userPolicy = find(renderService(userService, userServiceContext), 'AuthorizationPolicy', 'user-service');
    const orderAccount = find(renderService(orderService, orderServiceContext), 'ServiceAccount', 'order-service');
    const orderDeployment = find(renderService(orderService, orderServiceContext), 'Deployment', 'order-service');
    expect(orderDeployment.spec.template.spec.serviceAccountName).toBe(orderAccount.metadata.name);
    expect(userPolicy.spec.rules[0].from[0].source.principals).toEqual([
      `cluster.local/ns/${orderAccount.metadata.namespace}/sa/${orderAccount.metadata.name}`,
    ]);
  });

  it('with no callers is an ALLOW policy without rules, which denies every request', () => {
    const policy = find(renderService(orderService, orderServiceContext), 'AuthorizationPolicy', 'order-service');
    expect(policy.spec.action).toBe('ALLOW');
    expect(policy.spec).not.toHaveProperty('rules');
  });
});

describe('renderService: Sidecar', () => {
  it('limits egress to the declared dependencies and istio-system', () => {
    const objects = renderService(shopSpec, shopContext);
    const sidecar = find(objects, 'Sidecar', 'cart');
    expect(sidecar.apiVersion).toBe('networking.istio.io/v1');
    expect(selects(sidecar.spec.workloadSelector.labels, podLabels(find(objects, 'Deployment', 'cart')))).toBe(true);
    expect(sidecar.spec.egress).toEqual([{ hosts: ['catalog/pricing.catalog.svc.cluster.local', 'shop/inventory.shop.svc.cluster.local', 'istio-system/*'] }]);
  });

  it('keeps istio-system reachable for a service with no dependencies', () => {
    expect(find(renderService(userService, userServiceContext), 'Sidecar', 'user-service').spec.egress).toEqual([{ hosts: ['istio-system/*'] }]);
  });
});

describe('renderService: determinism', () => {
  const fullContext: RenderContext = {
    ...shopContext,
    preview: true,
    canary: { image: 'cart:3.2.0', replicas: 2, revision: 8 },
    trafficSplit: { canaryWeight: 10 },
    placement: {
      requiredNodes: ['n3', 'n1'],
      preferredNodes: [
        { node: 'n3', weight: 10 },
        { node: 'n1', weight: 90 },
      ],
    },
  };

  it('renders byte-identical JSON and YAML for the same input', () => {
    const first = renderService(shopSpec, fullContext);
    const second = renderService(shopSpec, fullContext);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    expect(toYaml(second)).toBe(toYaml(first));
  });

  it('does not depend on the order of env, dependencies, callers or nodes', () => {
    const reordered: ServiceSpec = {
      ...shopSpec,
      env: Object.fromEntries(Object.entries(shopSpec.env).reverse()),
      dependencies: [...shopSpec.dependencies].reverse(),
    };
    const reorderedContext: RenderContext = {
      ...fullContext,
      callers: [...fullContext.callers].reverse(),
      dependencies: [...fullContext.dependencies].reverse(),
      placement: { requiredNodes: ['n1', 'n3'], preferredNodes: [...fullContext.placement!.preferredNodes!].reverse() },
    };
    expect(toYaml(renderService(reordered, reorderedContext))).toBe(toYaml(renderService(shopSpec, fullContext)));
  });
});

describe('renderService: inconsistent contexts', () => {
  it.each([
    { name: 'traffic to a canary that is not running', ctx: { ...orderServiceContext, trafficSplit: { canaryWeight: 10 } }, path: 'trafficSplit.canaryWeight' },
    { name: 'a weight above 100', ctx: { ...orderServiceCanaryContext, trafficSplit: { canaryWeight: 101 } }, path: 'trafficSplit.canaryWeight' },
    { name: 'a fractional weight', ctx: { ...orderServiceCanaryContext, trafficSplit: { canaryWeight: 12.5 } }, path: 'trafficSplit.canaryWeight' },
    { name: 'revision 0', ctx: { ...orderServiceContext, revision: 0 }, path: 'revision' },
    {
      name: 'a preferred node weight of 0',
      ctx: { ...orderServiceContext, placement: { preferredNodes: [{ node: 'a', weight: 0 }] } },
      path: 'placement.preferredNodes.0.weight',
    },
    {
      name: 'a node preferred twice',
      ctx: {
        ...orderServiceContext,
        placement: {
          preferredNodes: [
            { node: 'a', weight: 5 },
            { node: 'a', weight: 6 },
          ],
        },
      },
      path: 'placement.preferredNodes.1.node',
    },
    {
      name: 'a canary image with white space',
      ctx: { ...orderServiceCanaryContext, canary: { image: 'x :1', replicas: 1, revision: 2 } },
      path: 'canary.image',
    },
    { name: 'negative canary replicas', ctx: { ...orderServiceCanaryContext, canary: { image: 'x:1', replicas: -1, revision: 2 } }, path: 'canary.replicas' },
  ])('rejects $name', ({ ctx, path }) => {
    let thrown: unknown;
    try {
      renderService(orderService, ctx as RenderContext);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).problems.map((p) => p.path)).toEqual([path]);
  });
});

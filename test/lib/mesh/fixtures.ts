/** The classic two-service example the mesh tests render: order-service calls user-service. */
import { ServiceSpec, type ServiceSpecInput } from '../../../lib/model/service-spec.js';
import type { RenderContext } from '../../../lib/mesh/render-context.js';

export function spec(input: ServiceSpecInput): ServiceSpec {
  return ServiceSpec.parse(input);
}

export const userService = spec({
  name: 'user-service',
  image: 'registry.example.com/shop/user-service:1.4.2',
  port: 8080,
  replicas: 3,
  probes: { readiness: { path: '/ready' }, liveness: { path: '/healthz', initialDelaySeconds: 10 } },
});

export const orderService = spec({
  name: 'order-service',
  image: 'registry.example.com/shop/order-service:2.0.0',
  port: 8081,
  replicas: 3,
  dependencies: [{ service: 'user-service', rps: 50 }],
  env: { USER_SERVICE_URL: 'http://user-service.default.svc.cluster.local', LOG_LEVEL: 'info' },
});

export const userServiceContext: RenderContext = {
  revision: 1,
  callers: [{ name: 'order-service', namespace: 'default' }],
  dependencies: [],
};

export const orderServiceContext: RenderContext = {
  revision: 1,
  callers: [],
  dependencies: [{ name: 'user-service', namespace: 'default' }],
};

/** order-service while revision 2 (image 2.1.0) takes 25% of traffic. */
export const orderServiceCanaryContext: RenderContext = {
  ...orderServiceContext,
  trafficSplit: { canaryWeight: 25 },
  canary: { image: 'registry.example.com/shop/order-service:2.1.0', replicas: 1, revision: 2 },
};

/** order-service exposed the way the original example exposes it: an NLB, port 80 → 8081. */
export const exposedOrderService = spec({ ...orderServiceInputFields(), expose: { type: 'LoadBalancer' } });

/** order-service behind the shared ingress gateway for shop.example.com, edge paths /orders only. */
export const gatewayOrderService = spec({ ...orderServiceInputFields(), expose: { type: 'Gateway', hosts: ['shop.example.com'], paths: ['/orders'] } });

function orderServiceInputFields() {
  const { name, image, port, replicas, dependencies, env } = orderService;
  return { name, image, port, replicas, dependencies, env };
}

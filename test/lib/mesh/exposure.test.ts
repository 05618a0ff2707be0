import { describe, expect, it } from 'vitest';
import { renderService } from '../../../lib/mesh/render-service.js';
import type { KubeObject } from '../../../lib/model/kube-object.js';
import { ServiceSpec } from '../../../lib/model/service-spec.js';
import { orderService, orderServiceCanaryContext, orderServiceContext, spec, userService, userServiceContext } from './fixtures.js';

type Obj = Record<string, any>;
const find = (objects: KubeObject[], kind: string, name: string): Obj => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind} ${name} not rendered`);
  return found as Obj;
};
const INGRESS_PRINCIPAL = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';

describe('expose: the spec', () => {
  it('fills in port 80 and an internet-facing load balancer', () => {
    expect(spec({ name: 'a', image: 'a:1', port: 8080, expose: { type: 'LoadBalancer' } }).expose).toEqual({ type: 'LoadBalancer', port: 80, internal: false });
  });

  it.each([
    [{ type: 'Gateway' }, 'expose.hosts', 'needs the host names'],
    [{ type: 'LoadBalancer', hosts: ['shop.example.com'] }, 'expose.hosts', 'cannot route by host or path'],
    [{ type: 'LoadBalancer', paths: ['/api'] }, 'expose.paths', 'cannot route by host or path'],
    [{ type: 'Gateway', hosts: ['shop.example.com'], internal: true }, 'expose.internal', 'decides whether'],
    [{ type: 'Gateway', hosts: ['*'] }, 'expose.hosts.0', 'lower-case DNS name'],
    [{ type: 'Gateway', hosts: ['shop.example.com'], paths: ['api'] }, 'expose.paths.0', 'must start with "/"'],
    [{ type: 'NodePort' }, 'expose.type', ''],
    [{ type: 'LoadBalancer', tls: true }, 'expose', 'tls'],
  ])('refuses %j (%s)', (expose, path, message) => {
    const result = ServiceSpec.safeParse({ name: 'a', image: 'a:1', port: 8080, expose });
    expect(result.success).toBe(false);
    const issue = result.error!.issues.find((i) => i.path.join('.') === path);
    expect(issue, JSON.stringify(result.error!.issues)).toBeDefined();
    expect(issue!.message).toContain(message);
  });
});

describe('expose: LoadBalancer', () => {
  const exposed = spec({ ...orderServiceInput(), expose: { type: 'LoadBalancer' } });
  const objects = renderService(exposed, orderServiceContext);
  const service = find(objects, 'Service', 'order-service');

  it('is a LoadBalancer Service with the AWS Load Balancer Controller NLB annotations, port 80 → the container port', () => {
    expect(service.spec.type).toBe('LoadBalancer');
    expect(service.metadata.annotations).toEqual({
      'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
      'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
      'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internet-facing',
    });
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 8081, protocol: 'TCP', appProtocol: 'http' }]);
  });

  it('internal: an internal NLB', () => {
    const internal = renderService(spec({ ...orderServiceInput(), expose: { type: 'LoadBalancer', internal: true } }), orderServiceContext);
    expect(find(internal, 'Service', 'order-service').metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-scheme']).toBe('internal');
  });

  it('an edge port other than the Service port is a second port; in-mesh callers keep theirs', () => {
    const other = renderService(spec({ ...orderServiceInput(), expose: { type: 'LoadBalancer', port: 8443 } }), orderServiceContext);
    expect(find(other, 'Service', 'order-service').spec.ports.map((p: Obj) => [p.name, p.port, p.targetPort])).toEqual([
      ['http', 80, 8081],
      ['http-edge', 8443, 8081],
    ]);
  });

  it('admits requests without a mesh identity on the container port (the NLB connects to pod IPs in plain text)', () => {
    const policy = find(objects, 'AuthorizationPolicy', 'order-service');
    expect(policy.spec.rules).toEqual([{ from: [{ source: { notPrincipals: ['*'] } }], to: [{ operation: { ports: ['8081'] } }] }]);
  });

  it('renders no Gateway and leaves the VirtualService on the mesh', () => {
    expect(objects.some((o) => o.kind === 'Gateway')).toBe(false);
    expect(find(objects, 'VirtualService', 'order-service').spec).not.toHaveProperty('gateways');
  });
});

describe('expose: Gateway', () => {
  const exposed = spec({ ...orderServiceInput(), expose: { type: 'Gateway', hosts: ['shop.example.com', 'api.example.com'] } });
  const objects = renderService(exposed, orderServiceCanaryContext);

  it('puts a Gateway on the shared ingress gateway for the hosts, before the VirtualService that names it', () => {
    const gateway = find(objects, 'Gateway', 'order-service');
    expect(gateway.apiVersion).toBe('networking.istio.io/v1');
    expect(gateway.spec).toEqual({
      selector: { istio: 'ingressgateway' },
      servers: [{ port: { number: 80, name: 'http-80', protocol: 'HTTP' }, hosts: ['api.example.com', 'shop.example.com'] }],
    });
    expect(objects.indexOf(gateway as KubeObject)).toBeLessThan(objects.findIndex((o) => o.kind === 'VirtualService'));
  });

  it('binds the VirtualService to the mesh and the Gateway, so edge requests take the canary weights too', () => {
    const vs = find(objects, 'VirtualService', 'order-service');
    expect(vs.spec.gateways).toEqual(['mesh', 'default/order-service']);
    expect(vs.spec.hosts).toEqual(['order-service.default.svc.cluster.local', 'api.example.com', 'shop.example.com']);
    expect(vs.spec.http).toHaveLength(1);
    expect(vs.spec.http[0].route.map((r: Obj) => [r.destination.subset, r.weight])).toEqual([
      ['stable', 75],
      ['canary', 25],
    ]);
  });

  it('with paths: edge requests are routed for those prefixes only, mesh requests for every path', () => {
    const withPaths = spec({ ...orderServiceInput(), expose: { type: 'Gateway', hosts: ['shop.example.com'], paths: ['/orders', '/api'] } });
    const vs = find(renderService(withPaths, orderServiceCanaryContext), 'VirtualService', 'order-service');
    expect(vs.spec.http.map((h: Obj) => h.match)).toEqual([
      [
        { gateways: ['default/order-service'], uri: { prefix: '/orders' } },
        { gateways: ['default/order-service'], uri: { prefix: '/api' } },
      ],
      [{ gateways: ['mesh'] }],
    ]);
    for (const h of vs.spec.http) expect(h.route.map((r: Obj) => r.weight)).toEqual([75, 25]);
  });

  it('admits the ingress gateway’s identity next to the declared callers', () => {
    const policy = find(
      renderService(spec({ ...userServiceInput(), expose: { type: 'Gateway', hosts: ['users.example.com'] } }), userServiceContext),
      'AuthorizationPolicy',
      'user-service',
    );
    expect(policy.spec.rules).toEqual([
      { from: [{ source: { principals: ['cluster.local/ns/default/sa/order-service'] } }] },
      { from: [{ source: { principals: [INGRESS_PRINCIPAL] } }] },
    ]);
  });

  it('only an exposed service admits the ingress gateway', () => {
    for (const [s, ctx] of [
      [userService, userServiceContext],
      [orderService, orderServiceContext],
    ] as const) {
      expect(JSON.stringify(find(renderService(s, ctx), 'AuthorizationPolicy', s.name).spec)).not.toContain('ingressgateway');
    }
  });
});

function orderServiceInput() {
  const { name, image, port, replicas, dependencies } = orderService;
  return { name, image, port, replicas, dependencies };
}
function userServiceInput() {
  return { name: userService.name, image: userService.image, port: userService.port, replicas: userService.replicas };
}

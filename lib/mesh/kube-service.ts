import type { KubeObject } from '../model/kube-object.js';
import type { ServiceSpec } from '../model/service-spec.js';
import { loadBalancerAnnotations } from './exposure.js';
import { LABELS, workloadName } from './labels.js';
import { serviceTrafficDistribution, type LocalityRoutingContext } from './locality-lb.js';
import { objectMetadata } from './object-metadata.js';

/** Name of the container port, Service port and probe port: Istio picks the HTTP protocol from it. */
export const HTTP_PORT_NAME = 'http';

function httpServicePort(spec: ServiceSpec): Record<string, unknown> {
  return {
    name: HTTP_PORT_NAME,
    port: spec.servicePort,
    targetPort: HTTP_PORT_NAME,
    protocol: 'TCP',
    appProtocol: 'http',
  };
}

/** Name of the LoadBalancer Service's edge port when it differs from the in-mesh Service port. */
export const EDGE_PORT_NAME = 'http-edge';

/**
 * The Service of a `LoadBalancer` exposure: `type: LoadBalancer` with the AWS Load Balancer Controller's
 * NLB annotations, the exposure's port to the container port by number (the original example's
 * `port: 80` → `targetPort: 8080`). In-mesh callers keep using the Service port; when the edge port
 * differs, it is a second port.
 */
function renderLoadBalancerService(spec: ServiceSpec, expose: NonNullable<ServiceSpec['expose']>, distribution: { trafficDistribution?: string }): KubeObject {
  const port = (name: string, number: number) => ({ name, port: number, targetPort: spec.port, protocol: 'TCP', appProtocol: 'http' });
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMetadata(spec, spec.name, { annotations: loadBalancerAnnotations(expose) }),
    spec: {
      type: 'LoadBalancer',
      selector: { [LABELS.app]: spec.name },
      ports: [port(HTTP_PORT_NAME, spec.servicePort), ...(expose.port !== spec.servicePort ? [port(EDGE_PORT_NAME, expose.port)] : [])],
      ...distribution,
    },
  };
}

/**
 * The Service `<name>`: ClusterIP, or LoadBalancer when the spec exposes it so. It selects on `app`
 * alone so stable and canary pods both sit behind it; the VirtualService splits traffic between them
 * by subset. With same-zone routing, `trafficDistribution` too (locality-lb.ts).
 */
export function renderKubeService(spec: ServiceSpec, routing?: LocalityRoutingContext): KubeObject {
  const preference = serviceTrafficDistribution(routing);
  const distribution: { trafficDistribution?: string } = preference ? { trafficDistribution: preference } : {};
  if (spec.expose?.type === 'LoadBalancer') return renderLoadBalancerService(spec, spec.expose, distribution);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMetadata(spec, spec.name),
    spec: {
      type: 'ClusterIP',
      selector: { [LABELS.app]: spec.name },
      ports: [httpServicePort(spec)],
      ...distribution,
    },
  };
}

/**
 * The blue/green preview Service `<name>-preview`: the canary pods only, so the new version can be
 * tested and analysed before any production traffic is switched to it.
 */
export function renderPreviewService(spec: ServiceSpec): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMetadata(spec, workloadName(spec.name, 'preview')),
    spec: {
      type: 'ClusterIP',
      selector: { [LABELS.app]: spec.name, [LABELS.track]: 'canary' },
      ports: [httpServicePort(spec)],
    },
  };
}

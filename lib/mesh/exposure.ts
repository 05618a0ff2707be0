/**
 * Exposure of a service outside the mesh (`spec.expose`): the AWS Load Balancer Controller's Service
 * annotations for `LoadBalancer`, and the Istio Gateway for `Gateway`. The names of the shared ingress
 * gateway are Istio's defaults (the `default` installation profile).
 */
import type { KubeObject } from '../model/kube-object.js';
import type { Exposure, ServiceSpec } from '../model/service-spec.js';
import { objectMetadata } from './object-metadata.js';

/** Namespace of Istio's shared ingress gateway. */
export const INGRESS_GATEWAY_NAMESPACE = 'istio-system';
/** Label on the shared ingress gateway's pods that a Gateway's `selector` names. */
export const INGRESS_GATEWAY_SELECTOR = { istio: 'ingressgateway' } as const;
/** The ServiceAccount the shared ingress gateway's pods run as (Istio's default installation). */
export const INGRESS_GATEWAY_SERVICE_ACCOUNT = 'istio-ingressgateway-service-account';
/** Istio's reserved gateway name for the sidecars of the mesh. */
export const MESH_GATEWAY = 'mesh';

/** The AWS Load Balancer Controller's Service annotations. */
export const AWS_LB_ANNOTATIONS = {
  /** `external`: the AWS Load Balancer Controller (not the in-tree controller) provisions an NLB. */
  type: 'service.beta.kubernetes.io/aws-load-balancer-type',
  /** `ip`: the NLB sends to pod IPs directly, no extra hop through a node port. */
  targetType: 'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type',
  /** `internet-facing` or `internal` (the controller's default is internal). */
  scheme: 'service.beta.kubernetes.io/aws-load-balancer-scheme',
} as const;

/** The annotations that make the AWS Load Balancer Controller give a Service an NLB with IP targets. */
export function loadBalancerAnnotations(expose: Exposure): Record<string, string> {
  return {
    [AWS_LB_ANNOTATIONS.type]: 'external',
    [AWS_LB_ANNOTATIONS.targetType]: 'ip',
    [AWS_LB_ANNOTATIONS.scheme]: expose.internal ? 'internal' : 'internet-facing',
  };
}

/** The service's exposure when it goes through the shared ingress gateway; undefined otherwise. */
export function gatewayExposure(spec: ServiceSpec): (Exposure & { type: 'Gateway'; hosts: string[] }) | undefined {
  const expose = spec.expose;
  return expose?.type === 'Gateway' && expose.hosts ? (expose as Exposure & { type: 'Gateway'; hosts: string[] }) : undefined;
}

/** How the VirtualService names the service's Gateway in `gateways`: `<namespace>/<name>`. */
export function gatewayRef(spec: ServiceSpec): string {
  return `${spec.namespace}/${spec.name}`;
}

/**
 * The Istio Gateway `<name>` in the service's namespace: the shared ingress gateway listens for the
 * service's hosts on the exposure's port (plain HTTP; TLS is terminated at the gateway's load balancer).
 */
export function renderGateway(spec: ServiceSpec): KubeObject | undefined {
  const expose = gatewayExposure(spec);
  if (!expose) return undefined;
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: objectMetadata(spec, spec.name),
    spec: {
      selector: { ...INGRESS_GATEWAY_SELECTOR },
      servers: [{ port: { number: expose.port, name: `http-${expose.port}`, protocol: 'HTTP' }, hosts: [...expose.hosts].sort() }],
    },
  };
}

import type { KubeObject } from '../model/kube-object.js';
import type { ServiceSpec } from '../model/service-spec.js';
import { LABELS } from './labels.js';
import { objectMetadata, serviceHost, sortedUniqueRefs } from './object-metadata.js';
import type { ServiceRef } from './render-context.js';

/** Istio's control-plane namespace: every proxy keeps egress to it (istiod, gateways, telemetry). */
export const ISTIO_SYSTEM_EGRESS_HOST = 'istio-system/*';

/** A Sidecar egress host for a service: `<ns>/<name>.<ns>.svc.cluster.local`. */
export function egressHost(ref: ServiceRef): string {
  return `${ref.namespace}/${serviceHost(ref)}`;
}

/**
 * Limits what the service's Envoy is told about to the services it declares it calls. By default istiod
 * pushes every service in the mesh to every proxy, so proxy memory and push time grow with mesh size;
 * with this, they grow with the service's own fan-out.
 */
export function renderSidecar(spec: ServiceSpec, dependencies: readonly ServiceRef[]): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Sidecar',
    metadata: objectMetadata(spec, spec.name),
    spec: {
      workloadSelector: { labels: { [LABELS.app]: spec.name } },
      egress: [{ hosts: [...sortedUniqueRefs(dependencies).map(egressHost), ISTIO_SYSTEM_EGRESS_HOST] }],
    },
  };
}

import type { KubeObject } from '../model/kube-object.js';
import type { ServiceSpec } from '../model/service-spec.js';
import { istioDuration } from './durations.js';
import { gatewayExposure, gatewayRef, MESH_GATEWAY } from './exposure.js';
import { objectMetadata, serviceHost } from './object-metadata.js';
import type { SubsetName } from './subsets.js';

/** Percent of requests sent to each subset; the two always add up to 100. */
export interface SubsetWeights {
  stable: number;
  canary: number;
}

/** The weights for a canary share of `canaryWeight` percent (0 when no rollout runs). */
export function subsetWeights(canaryWeight = 0): SubsetWeights {
  return { stable: 100 - canaryWeight, canary: canaryWeight };
}

/**
 * The VirtualService for a service: every in-mesh request to its host takes one route, split between
 * the stable and canary subsets by weight, with the spec's timeout and retry policy.
 *
 * A service exposed through a Gateway has its VirtualService bound to `[mesh, <namespace>/<name>]` and
 * its edge hosts added, so edge requests take the same weighted route, retries and timeout. With
 * `paths`, edge requests are routed only for those prefixes: the first route matches them from the
 * gateway, the second matches the mesh (every path, as before); other edge requests get Istio's 404.
 */
export function renderVirtualService(spec: ServiceSpec, weights: SubsetWeights): KubeObject {
  const host = serviceHost(spec);
  const destination = (subset: SubsetName, weight: number) => ({ destination: { host, subset }, weight });
  const { timeoutMs, retries } = spec.mesh;
  const route = (match?: Record<string, unknown>[]) => ({
    ...(match ? { match } : {}),
    route: [destination('stable', weights.stable), destination('canary', weights.canary)],
    timeout: istioDuration(timeoutMs),
    retries: {
      attempts: retries.attempts,
      perTryTimeout: istioDuration(retries.perTryTimeoutMs),
      retryOn: retries.retryOn,
    },
  });
  const edge = gatewayExposure(spec);
  const gateway = edge ? gatewayRef(spec) : undefined;
  const http =
    edge?.paths && gateway ? [route(edge.paths.map((prefix) => ({ gateways: [gateway], uri: { prefix } }))), route([{ gateways: [MESH_GATEWAY] }])] : [route()];
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: objectMetadata(spec, spec.name),
    spec: {
      hosts: edge ? [host, ...[...edge.hosts].sort()] : [host],
      ...(gateway ? { gateways: [MESH_GATEWAY, gateway] } : {}),
      http,
    },
  };
}

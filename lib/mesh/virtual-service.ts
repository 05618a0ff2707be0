import type { KubeObject } from '../model/kube-object.js';
import type { ServiceSpec } from '../model/service-spec.js';
import { istioDuration } from './durations.js';
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
 */
export function renderVirtualService(spec: ServiceSpec, weights: SubsetWeights): KubeObject {
  const host = serviceHost(spec);
  const destination = (subset: SubsetName, weight: number) => ({ destination: { host, subset }, weight });
  const { timeoutMs, retries } = spec.mesh;
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: objectMetadata(spec, spec.name),
    spec: {
      hosts: [host],
      http: [
        {
          route: [destination('stable', weights.stable), destination('canary', weights.canary)],
          timeout: istioDuration(timeoutMs),
          retries: {
            attempts: retries.attempts,
            perTryTimeout: istioDuration(retries.perTryTimeoutMs),
            retryOn: retries.retryOn,
          },
        },
      ],
    },
  };
}

import type { KubeObject } from '../model/kube-object.js';
import type { ServiceSpec } from '../model/service-spec.js';
import { maxPodsPerNode } from './availability.js';
import { LABELS } from './labels.js';
import { objectMetadata } from './object-metadata.js';

/**
 * The PodDisruptionBudget of a service's stable pods: voluntary disruptions (a drain, an eviction by
 * the placement optimizer's moves) take at most as many pods at once as the availability rule lets one
 * node hold, so a drain never takes more than a node loss would. `unhealthyPodEvictionPolicy:
 * AlwaysAllow` lets pods that are not ready be evicted anyway, so a crash-looping pod cannot block a drain.
 */
export function renderPodDisruptionBudget(spec: ServiceSpec): KubeObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: objectMetadata(spec, spec.name),
    spec: {
      maxUnavailable: maxPodsPerNode(spec, spec.replicas),
      selector: { matchLabels: { [LABELS.app]: spec.name, [LABELS.track]: 'stable' } },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  };
}

import type { KubeObject } from '../model/kube-object.js';
import type { ServiceSpec } from '../model/service-spec.js';
import { ANNOTATIONS, LABELS, workloadName } from './labels.js';
import { HTTP_PORT_NAME } from './kube-service.js';
import { dependenciesAnnotation } from './dependencies.js';
import { discoveryEnv } from './discovery-env.js';
import { objectMetadata, ownershipLabels } from './object-metadata.js';
import { maxPodsPerNode } from './availability.js';
import { moveTargetPreference, nodeAffinity, topologySpreadConstraints } from './pod-scheduling.js';
import { kubeQuantityCpu, kubeQuantityMemory } from './quantities.js';
import type { Placement, ServiceRef } from './render-context.js';

/** Pod label that asks Istio's injector for an Envoy sidecar, whatever the namespace's default. */
export const SIDECAR_INJECT_LABEL = 'sidecar.istio.io/inject';

/** One track's Deployment: what differs between the stable and the canary workload of a service. */
export interface WorkloadVariant {
  track: 'stable' | 'canary';
  image: string;
  replicas: number;
  /** Revision of the spec the pods run: the revision annotation and the `version` label. */
  revision: number;
  /** Hash of the spec the pods run. */
  specHash: string;
  placement?: Placement;
  restartedAt?: string;
  /** The resolved dependencies: each reaches the container as `<NAME>_URL` (see discovery-env.ts). */
  dependencies?: readonly ServiceRef[];
}

/** The `version` label value for a revision: `r<revision>`. Istio telemetry reports it as `destination_version`. */
export function versionLabel(revision: number): string {
  return `r${revision}`;
}

type Probe = NonNullable<NonNullable<ServiceSpec['probes']>['readiness']>;

function httpProbe(probe: Probe): Record<string, unknown> {
  // Istio rewrites HTTP probes to go through the sidecar agent, so they pass under STRICT mTLS and are
  // not subject to the AuthorizationPolicy; the named port keeps them right if the port number changes.
  return {
    httpGet: { path: probe.path, port: HTTP_PORT_NAME },
    initialDelaySeconds: probe.initialDelaySeconds,
    periodSeconds: probe.periodSeconds,
  };
}

function containerResources(resources: ServiceSpec['resources']): Record<string, unknown> {
  return {
    requests: { cpu: kubeQuantityCpu(resources.cpu), memory: kubeQuantityMemory(resources.memory) },
    limits: {
      // No CPU limit unless one is asked for: CFS quotas throttle a pod even while the node has idle
      // CPU, which shows up as latency spikes; the request already guarantees the pod its share.
      ...(resources.cpuLimit !== undefined ? { cpu: kubeQuantityCpu(resources.cpuLimit) } : {}),
      // Memory is not compressible: without a limit one leaking pod can push its neighbours out.
      memory: kubeQuantityMemory(resources.memoryLimit ?? resources.memory),
    },
  };
}

function container(spec: ServiceSpec, image: string, dependencies: readonly ServiceRef[]): Record<string, unknown> {
  const vars = { ...discoveryEnv(dependencies), ...spec.env };
  const env = Object.keys(vars)
    .sort()
    .map((name) => ({ name, value: vars[name] }));
  return {
    name: spec.name,
    image,
    ports: [{ name: HTTP_PORT_NAME, containerPort: spec.port, protocol: 'TCP' }],
    ...(env.length > 0 ? { env } : {}),
    resources: containerResources(spec.resources),
    ...(spec.probes?.readiness ? { readinessProbe: httpProbe(spec.probes.readiness) } : {}),
    ...(spec.probes?.liveness ? { livenessProbe: httpProbe(spec.probes.liveness) } : {}),
  };
}

/**
 * The Deployment of one track of a service (`<name>` for stable, `<name>-canary` for canary). It
 * selects on `app` and `track` only: a selector cannot change after creation, while `version` changes
 * with every revision.
 */
export function renderDeployment(spec: ServiceSpec, variant: WorkloadVariant): KubeObject {
  const trackLabels = { [LABELS.track]: variant.track, [LABELS.version]: versionLabel(variant.revision) };
  // The stable pods follow the optimizer's one-pod moves (see moveTargetLabel); canary pods are not placed by it.
  const affinity = nodeAffinity(variant.placement, variant.track === 'stable' ? [moveTargetPreference(spec.name)] : []);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: objectMetadata(spec, workloadName(spec.name, variant.track), {
      labels: trackLabels,
      annotations: {
        [ANNOTATIONS.revision]: String(variant.revision),
        [ANNOTATIONS.specHash]: variant.specHash,
        [ANNOTATIONS.dependencies]: dependenciesAnnotation(spec.dependencies),
      },
    }),
    spec: {
      replicas: variant.replicas,
      selector: { matchLabels: { [LABELS.app]: spec.name, [LABELS.track]: variant.track } },
      template: {
        metadata: {
          labels: { ...ownershipLabels(spec.name), ...trackLabels, [SIDECAR_INJECT_LABEL]: 'true' },
          ...(variant.restartedAt !== undefined ? { annotations: { [ANNOTATIONS.restartedAt]: variant.restartedAt } } : {}),
        },
        spec: {
          serviceAccountName: spec.name,
          containers: [container(spec, variant.image, variant.dependencies ?? [])],
          topologySpreadConstraints: topologySpreadConstraints(spec.name, variant.track, variant.replicas, maxPodsPerNode(spec, variant.replicas)),
          ...(affinity ? { affinity } : {}),
        },
      },
    },
  };
}

import type { KubeObject } from '../model/kube-object.js';
import type { ServiceSpec } from '../model/service-spec.js';
import { LABELS, workloadName } from './labels.js';
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

/**
 * The ClusterIP Service `<name>`. It selects on `app` alone so stable and canary pods both sit behind
 * it; the VirtualService splits traffic between them by subset.
 */
export function renderKubeService(spec: ServiceSpec): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMetadata(spec, spec.name),
    spec: {
      type: 'ClusterIP',
      selector: { [LABELS.app]: spec.name },
      ports: [httpServicePort(spec)],
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

import type { KubeObject } from '../model/kube-object.js';
import type { ServiceSpec } from '../model/service-spec.js';
import { objectMetadata } from './object-metadata.js';

/**
 * The service's own ServiceAccount. Its SPIFFE identity (`cluster.local/ns/<ns>/sa/<name>`) is what the
 * AuthorizationPolicies of the services it calls allow, so every service must run under its own account.
 */
export function renderServiceAccount(spec: ServiceSpec): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: objectMetadata(spec, spec.name),
  };
}

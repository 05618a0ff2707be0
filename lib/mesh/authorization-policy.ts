import type { KubeObject } from '../model/kube-object.js';
import type { ServiceSpec } from '../model/service-spec.js';
import { LABELS } from './labels.js';
import { objectMetadata, sortedUniqueRefs } from './object-metadata.js';
import type { ServiceRef } from './render-context.js';

/** Istio's default trust domain, the first part of every workload principal. */
export const TRUST_DOMAIN = 'cluster.local';

/** The mTLS principal a service's pods present: `cluster.local/ns/<ns>/sa/<name>` (its own ServiceAccount). */
export function servicePrincipal(ref: ServiceRef): string {
  return `${TRUST_DOMAIN}/ns/${ref.namespace}/sa/${ref.name}`;
}

/**
 * Zero trust from the declared graph: the service's pods accept requests only from the services that
 * declare a dependency on it.
 *
 * With no callers the policy is still rendered, as an ALLOW policy without `rules`. Istio denies a
 * request to a workload that has ALLOW policies when none of them matches, and a policy without rules
 * never matches, so this denies everything (Istio's documented "allow-nothing" policy). Dropping the
 * policy instead would leave the workload with no ALLOW policy at all, which Istio treats as allow-all.
 */
export function renderAuthorizationPolicy(spec: ServiceSpec, callers: readonly ServiceRef[]): KubeObject {
  const principals = sortedUniqueRefs(callers).map(servicePrincipal);
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: objectMetadata(spec, spec.name),
    spec: {
      selector: { matchLabels: { [LABELS.app]: spec.name } },
      action: 'ALLOW',
      ...(principals.length > 0 ? { rules: [{ from: [{ source: { principals } }] }] } : {}),
    },
  };
}

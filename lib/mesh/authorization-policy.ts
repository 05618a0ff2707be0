import type { KubeObject } from '../model/kube-object.js';
import type { ServiceSpec } from '../model/service-spec.js';
import { INGRESS_GATEWAY_NAMESPACE, INGRESS_GATEWAY_SERVICE_ACCOUNT } from './exposure.js';
import { LABELS } from './labels.js';
import { objectMetadata, sortedUniqueRefs } from './object-metadata.js';
import type { ServiceRef } from './render-context.js';

/** Istio's default trust domain, the first part of every workload principal. */
export const TRUST_DOMAIN = 'cluster.local';

/** The mTLS principal a service's pods present: `cluster.local/ns/<ns>/sa/<name>` (its own ServiceAccount). */
export function servicePrincipal(ref: ServiceRef): string {
  return `${TRUST_DOMAIN}/ns/${ref.namespace}/sa/${ref.name}`;
}

/** The mTLS principal of the shared ingress gateway (Istio's default installation). */
export const INGRESS_GATEWAY_PRINCIPAL = `${TRUST_DOMAIN}/ns/${INGRESS_GATEWAY_NAMESPACE}/sa/${INGRESS_GATEWAY_SERVICE_ACCOUNT}`;

/**
 * The rules that admit edge traffic to an exposed service, and only to an exposed one:
 * - `Gateway`: requests from the shared ingress gateway's identity;
 * - `LoadBalancer`: requests that carry no mesh identity on the container port. The NLB (target type ip)
 *   connects to the pod IPs directly, in plain text, so its requests have no principal; mesh callers
 *   still need a declared dependency, because their requests do carry one.
 */
function edgeRules(spec: ServiceSpec): Record<string, unknown>[] {
  if (spec.expose?.type === 'Gateway') return [{ from: [{ source: { principals: [INGRESS_GATEWAY_PRINCIPAL] } }] }];
  if (spec.expose?.type === 'LoadBalancer') return [{ from: [{ source: { notPrincipals: ['*'] } }], to: [{ operation: { ports: [String(spec.port)] } }] }];
  return [];
}

/**
 * Zero trust from the declared graph: the service's pods accept requests only from the services that
 * declare a dependency on it, plus the edge when the service is exposed (see {@link edgeRules}).
 *
 * With no callers and no exposure the policy is still rendered, as an ALLOW policy without `rules`. Istio denies a
 * request to a workload that has ALLOW policies when none of them matches, and a policy without rules
 * never matches, so this denies everything (Istio's documented "allow-nothing" policy). Dropping the
 * policy instead would leave the workload with no ALLOW policy at all, which Istio treats as allow-all.
 */
export function renderAuthorizationPolicy(spec: ServiceSpec, callers: readonly ServiceRef[]): KubeObject {
  const principals = sortedUniqueRefs(callers).map(servicePrincipal);
  const rules = [...(principals.length > 0 ? [{ from: [{ source: { principals } }] }] : []), ...edgeRules(spec)];
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: objectMetadata(spec, spec.name),
    spec: {
      selector: { matchLabels: { [LABELS.app]: spec.name } },
      action: 'ALLOW',
      ...(rules.length > 0 ? { rules } : {}),
    },
  };
}

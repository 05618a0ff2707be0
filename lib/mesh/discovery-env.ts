/**
 * Discovery: where each declared dependency is, as container environment. Pure.
 *
 * One variable per dependency, `<NAME>_URL=http://<name>.<namespace>.svc.cluster.local` (the name upper-cased,
 * "-" as "_"): the in-cluster DNS name of the dependency's Service, with its namespace resolved as for the
 * Sidecar's egress. A URL rather than Kubernetes' own `<NAME>_SERVICE_HOST`/`_PORT` links because those are
 * ClusterIPs, set only for Services of the pod's own namespace that existed before the pod started, while
 * Istio routes (VirtualService weights, retries) by host name. The URL carries no port: it names the
 * Service's port, 80 unless the dependency set another `servicePort` (then append it). A variable the spec's
 * own `env` sets wins over the generated one.
 */
import { serviceHost } from './object-metadata.js';
import type { ServiceRef } from './render-context.js';

/** The variable that carries a dependency's URL: `user-service` → `USER_SERVICE_URL`. */
export function discoveryEnvName(service: string): string {
  return `${service.toUpperCase().replace(/-/g, '_')}_URL`;
}

/** The generated discovery variables for `dependencies` (resolved refs), by name. */
export function discoveryEnv(dependencies: readonly ServiceRef[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const dep of dependencies) env[discoveryEnvName(dep.name)] = `http://${serviceHost(dep)}`;
  return env;
}

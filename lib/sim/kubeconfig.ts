/** A kubeconfig for the simulated cluster: one cluster, one token user, one context. */
import { stringify } from 'yaml';

/** Token the kubeconfig carries; the simulated API server accepts any bearer token. */
export const SIM_TOKEN = 'meshplane-sim-token';

export function simKubeconfigYaml(serverUrl: string, contextName = 'meshplane-sim'): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    // @kubernetes/client-node refuses plain-HTTP servers unless TLS verification is marked as skipped.
    clusters: [{ name: contextName, cluster: { server: serverUrl, 'insecure-skip-tls-verify': true } }],
    users: [{ name: `${contextName}-user`, user: { token: SIM_TOKEN } }],
    contexts: [{ name: contextName, context: { cluster: contextName, user: `${contextName}-user`, namespace: 'default' } }],
    'current-context': contextName,
    preferences: {},
  });
}

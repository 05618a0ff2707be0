/**
 * Discovery documents: /version, /api, /apis and the per group-version resource lists, in the legacy
 * (non-aggregated) format. kubectl asks for aggregated discovery first but falls back to these when the
 * answer's Content-Type is plain `application/json`.
 */
import { RESOURCE_TYPES, RESOURCE_VERBS, groupVersion, servedGroups } from './resource-types.js';

/** The version the simulated API server reports. */
export const SIM_KUBERNETES_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0-meshplane-sim' } as const;

export function versionInfo(): Record<string, string> {
  return {
    ...SIM_KUBERNETES_VERSION,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'go1.23.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

/** `GET /api`. */
export function coreApiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

/** `GET /apis`. */
export function apiGroupList(): Record<string, unknown> {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: servedGroups().map(({ name, versions }) => apiGroup(name, versions)),
  };
}

function apiGroup(name: string, versions: readonly string[]): Record<string, unknown> {
  const entries = versions.map((version) => ({ groupVersion: groupVersion(name, version), version }));
  return { name, versions: entries, preferredVersion: entries[0] };
}

/** `GET /apis/<group>`; undefined when the group is not served. */
export function apiGroupDocument(group: string): Record<string, unknown> | undefined {
  const found = servedGroups().find((g) => g.name === group);
  return found ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(found.name, found.versions) } : undefined;
}

/** `GET /api/v1` or `/apis/<group>/<version>`; undefined when that group-version is not served. */
export function apiResourceList(group: string, version: string): Record<string, unknown> | undefined {
  const types = RESOURCE_TYPES.filter((t) => t.group === group && t.versions.includes(version));
  if (types.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const t of types) {
    const main: Record<string, unknown> = {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.computed ? ['get', 'list'] : t.watchable ? RESOURCE_VERBS : RESOURCE_VERBS.filter((v) => v !== 'watch'),
    };
    if (t.shortNames.length > 0) main.shortNames = t.shortNames;
    if (t.categories) main.categories = t.categories;
    resources.push(main);
    for (const sub of t.subresources) {
      resources.push({
        name: `${t.plural}/${sub}`,
        singularName: '',
        namespaced: t.namespaced,
        ...(sub === 'scale' ? { group: 'autoscaling', version: 'v1', kind: 'Scale' } : { kind: t.kind }),
        verbs: ['get', 'patch', 'update'],
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion(group, version), resources };
}

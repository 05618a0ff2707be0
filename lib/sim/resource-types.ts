/**
 * The resource types the simulated API server serves, with the facts discovery, routing and the object
 * store need about each. Objects are stored per group and plural, so every served version of a group
 * (Istio v1 and v1beta1) sees the same objects.
 */

/** One served resource type. */
export interface ResourceType {
  /** API group; '' for core. */
  group: string;
  /** Served versions; the first is preferred. */
  versions: readonly string[];
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: readonly string[];
  subresources: readonly ('status' | 'scale' | 'eviction')[];
  /** metadata.generation is bumped when anything outside metadata and status changes. */
  tracksGeneration: boolean;
  /** Watch (`?watch=true`) is served. */
  watchable: boolean;
  categories?: readonly string[];
  /** Read-only, computed on request (metrics.k8s.io): only get and list are served. */
  computed?: boolean;
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;

function builtin(partial: Omit<ResourceType, 'shortNames' | 'subresources' | 'tracksGeneration' | 'watchable'> & Partial<ResourceType>): ResourceType {
  return { shortNames: [], subresources: [], tracksGeneration: false, watchable: true, ...partial };
}

function istio(group: string, plural: string, kind: string, shortNames: string[]): ResourceType {
  return builtin({
    group,
    versions: ['v1', 'v1beta1'],
    plural,
    singular: kind.toLowerCase(),
    kind,
    namespaced: true,
    shortNames,
    tracksGeneration: true,
    categories: ['istio-io', group.startsWith('networking') ? 'networking-istio-io' : 'security-istio-io'],
  });
}

/** Every served resource type. */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  builtin({
    group: '',
    versions: ['v1'],
    plural: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    subresources: ['status'],
  }),
  builtin({ group: '', versions: ['v1'], plural: 'nodes', singular: 'node', kind: 'Node', namespaced: false, shortNames: ['no'], subresources: ['status'] }),
  builtin({
    group: '',
    versions: ['v1'],
    plural: 'pods',
    singular: 'pod',
    kind: 'Pod',
    namespaced: true,
    shortNames: ['po'],
    subresources: ['status', 'eviction'],
    categories: ['all'],
  }),
  builtin({
    group: '',
    versions: ['v1'],
    plural: 'services',
    singular: 'service',
    kind: 'Service',
    namespaced: true,
    shortNames: ['svc'],
    subresources: ['status'],
    categories: ['all'],
  }),
  builtin({ group: '', versions: ['v1'], plural: 'serviceaccounts', singular: 'serviceaccount', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa'] }),
  builtin({ group: '', versions: ['v1'], plural: 'configmaps', singular: 'configmap', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] }),
  builtin({ group: '', versions: ['v1'], plural: 'events', singular: 'event', kind: 'Event', namespaced: true, shortNames: ['ev'] }),
  builtin({
    group: 'apps',
    versions: ['v1'],
    plural: 'deployments',
    singular: 'deployment',
    kind: 'Deployment',
    namespaced: true,
    shortNames: ['deploy'],
    subresources: ['status', 'scale'],
    tracksGeneration: true,
    categories: ['all'],
  }),
  builtin({
    group: 'apps',
    versions: ['v1'],
    plural: 'replicasets',
    singular: 'replicaset',
    kind: 'ReplicaSet',
    namespaced: true,
    shortNames: ['rs'],
    subresources: ['status', 'scale'],
    tracksGeneration: true,
    categories: ['all'],
  }),
  builtin({
    group: 'policy',
    versions: ['v1'],
    plural: 'poddisruptionbudgets',
    singular: 'poddisruptionbudget',
    kind: 'PodDisruptionBudget',
    namespaced: true,
    shortNames: ['pdb'],
    subresources: ['status'],
    tracksGeneration: true,
  }),
  istio('networking.istio.io', 'destinationrules', 'DestinationRule', ['dr']),
  istio('networking.istio.io', 'virtualservices', 'VirtualService', ['vs']),
  istio('networking.istio.io', 'gateways', 'Gateway', ['gw']),
  istio('networking.istio.io', 'sidecars', 'Sidecar', []),
  istio('security.istio.io', 'authorizationpolicies', 'AuthorizationPolicy', ['ap']),
  builtin({
    group: 'metrics.k8s.io',
    versions: ['v1beta1'],
    plural: 'nodes',
    singular: '',
    kind: 'NodeMetrics',
    namespaced: false,
    watchable: false,
    computed: true,
  }),
  builtin({
    group: 'metrics.k8s.io',
    versions: ['v1beta1'],
    plural: 'pods',
    singular: '',
    kind: 'PodMetrics',
    namespaced: true,
    watchable: false,
    computed: true,
  }),
];

/** The verbs every served type supports (discovery lists them). */
export const RESOURCE_VERBS: readonly string[] = VERBS;

/** Storage key shared by all versions of a type. */
export function typeKey(type: ResourceType): string {
  return `${type.group}/${type.plural}`;
}

/** `apps/v1`, or `v1` for core. */
export function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** The type served at `group/version/plural`, if any. */
export function findResourceType(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.group === group && t.plural === plural && t.versions.includes(version));
}

/** The type of an object given its `apiVersion` and `kind`. */
export function resourceTypeForKind(apiVersion: string, kind: string): ResourceType | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  return RESOURCE_TYPES.find((t) => t.group === group && t.kind === kind && t.versions.includes(version));
}

/** Looks a type up by its plural; throws for types that are not served (a programming error). */
export function resourceType(plural: string, group = ''): ResourceType {
  const type = RESOURCE_TYPES.find((t) => t.plural === plural && t.group === group);
  if (!type) throw new Error(`no served resource type ${group ? `${plural}.${group}` : plural}`);
  return type;
}

/** The API groups served under /apis, in discovery order. */
export function servedGroups(): { name: string; versions: readonly string[] }[] {
  const groups = new Map<string, readonly string[]>();
  for (const t of RESOURCE_TYPES) if (t.group && !groups.has(t.group)) groups.set(t.group, t.versions);
  return [...groups].map(([name, versions]) => ({ name, versions }));
}

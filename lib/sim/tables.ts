/**
 * Server-side printing: the `meta.k8s.io/v1` Table kubectl asks for (`Accept: …;as=Table`), with the
 * columns `kubectl get` shows for pods, nodes, deployments, services and namespaces (`-o wide` adds the
 * priority-1 columns), and NAME/AGE for everything else.
 */
import type { ResourceType } from './resource-types.js';
import type { KubeObj } from './sim-types.js';

type Obj = Record<string, any>;

interface Column {
  name: string;
  type: 'string' | 'integer' | 'date';
  priority: 0 | 1;
  cell: (o: Obj, now: number) => string | number;
  format?: string;
}

/** kubectl-style age: 45s, 3m12s, 5h, 2d. */
export function humanAge(creationTimestamp: string | undefined, now: number): string {
  if (!creationTimestamp) return '<unknown>';
  const s = Math.max(0, Math.floor((now - Date.parse(creationTimestamp)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

const name: Column = { name: 'Name', type: 'string', priority: 0, format: 'name', cell: (o) => o.metadata.name };
const age: Column = { name: 'Age', type: 'string', priority: 0, cell: (o, now) => humanAge(o.metadata.creationTimestamp, now) };
/** The wide (`-o wide`) columns of a workload with a pod template: Deployments and ReplicaSets. */
const templateColumns: Column[] = [
  { name: 'Containers', type: 'string', priority: 1, cell: (o) => (o.spec?.template?.spec?.containers ?? []).map((c: Obj) => c.name).join(',') },
  { name: 'Images', type: 'string', priority: 1, cell: (o) => (o.spec?.template?.spec?.containers ?? []).map((c: Obj) => c.image).join(',') },
  {
    name: 'Selector',
    type: 'string',
    priority: 1,
    cell: (o) =>
      Object.entries(o.spec?.selector?.matchLabels ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
  },
];

function podStatus(pod: Obj): string {
  const waiting = (pod.status?.containerStatuses ?? []).map((c: Obj) => c.state?.waiting?.reason).find(Boolean);
  return waiting ?? pod.status?.phase ?? 'Unknown';
}

const COLUMNS: Record<string, Column[]> = {
  Pod: [
    name,
    {
      name: 'Ready',
      type: 'string',
      priority: 0,
      cell: (o) => `${(o.status?.containerStatuses ?? []).filter((c: Obj) => c.ready).length}/${(o.spec?.containers ?? []).length}`,
    },
    { name: 'Status', type: 'string', priority: 0, cell: podStatus },
    {
      name: 'Restarts',
      type: 'string',
      priority: 0,
      cell: (o) => String((o.status?.containerStatuses ?? []).reduce((n: number, c: Obj) => n + (c.restartCount ?? 0), 0)),
    },
    age,
    { name: 'IP', type: 'string', priority: 1, cell: (o) => o.status?.podIP ?? '<none>' },
    { name: 'Node', type: 'string', priority: 1, cell: (o) => o.spec?.nodeName ?? '<none>' },
    { name: 'Nominated Node', type: 'string', priority: 1, cell: () => '<none>' },
    { name: 'Readiness Gates', type: 'string', priority: 1, cell: () => '<none>' },
  ],
  Node: [
    name,
    {
      name: 'Status',
      type: 'string',
      priority: 0,
      cell: (o) => ((o.status?.conditions ?? []).find((c: Obj) => c.type === 'Ready')?.status === 'True' ? 'Ready' : 'NotReady'),
    },
    { name: 'Roles', type: 'string', priority: 0, cell: () => '<none>' },
    age,
    { name: 'Version', type: 'string', priority: 0, cell: (o) => o.status?.nodeInfo?.kubeletVersion ?? '' },
    {
      name: 'Internal-IP',
      type: 'string',
      priority: 1,
      cell: (o) => (o.status?.addresses ?? []).find((a: Obj) => a.type === 'InternalIP')?.address ?? '<none>',
    },
    { name: 'Zone', type: 'string', priority: 1, cell: (o) => o.metadata.labels?.['topology.kubernetes.io/zone'] ?? '<none>' },
  ],
  Deployment: [
    name,
    { name: 'Ready', type: 'string', priority: 0, cell: (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}` },
    { name: 'Up-to-date', type: 'integer', priority: 0, cell: (o) => o.status?.updatedReplicas ?? 0 },
    { name: 'Available', type: 'integer', priority: 0, cell: (o) => o.status?.availableReplicas ?? 0 },
    age,
    ...templateColumns,
  ],
  Service: [
    name,
    { name: 'Type', type: 'string', priority: 0, cell: (o) => o.spec?.type ?? 'ClusterIP' },
    { name: 'Cluster-IP', type: 'string', priority: 0, cell: (o) => o.spec?.clusterIP ?? '<none>' },
    { name: 'External-IP', type: 'string', priority: 0, cell: (o) => externalAddresses(o) },
    {
      name: 'Port(s)',
      type: 'string',
      priority: 0,
      cell: (o) => (o.spec?.ports ?? []).map((p: Obj) => `${p.port}/${p.protocol ?? 'TCP'}`).join(',') || '<none>',
    },
    age,
  ],
  ReplicaSet: [
    name,
    { name: 'Desired', type: 'integer', priority: 0, cell: (o) => o.spec?.replicas ?? 0 },
    { name: 'Current', type: 'integer', priority: 0, cell: (o) => o.status?.replicas ?? 0 },
    { name: 'Ready', type: 'integer', priority: 0, cell: (o) => o.status?.readyReplicas ?? 0 },
    age,
    ...templateColumns,
  ],
  Event: [
    { name: 'Last Seen', type: 'string', priority: 0, cell: (o, now) => humanAge(o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp, now) },
    { name: 'Type', type: 'string', priority: 0, cell: (o) => o.type ?? '' },
    { name: 'Reason', type: 'string', priority: 0, cell: (o) => o.reason ?? '' },
    {
      name: 'Object',
      type: 'string',
      priority: 0,
      cell: (o) => `${String(o.involvedObject?.kind ?? '').toLowerCase()}/${o.involvedObject?.name ?? ''}`,
    },
    { name: 'Subobject', type: 'string', priority: 1, cell: (o) => o.involvedObject?.fieldPath ?? '' },
    { name: 'Source', type: 'string', priority: 1, cell: (o) => [o.source?.component, o.source?.host].filter(Boolean).join(', ') },
    { name: 'Message', type: 'string', priority: 0, cell: (o) => o.message ?? '' },
    { name: 'First Seen', type: 'string', priority: 1, cell: (o, now) => humanAge(o.firstTimestamp ?? o.metadata.creationTimestamp, now) },
    { name: 'Count', type: 'string', priority: 1, cell: (o) => String(o.count ?? 1) },
    { name: 'Name', type: 'string', priority: 1, format: 'name', cell: (o) => o.metadata.name },
  ],
  Namespace: [name, { name: 'Status', type: 'string', priority: 0, cell: (o) => o.status?.phase ?? 'Active' }, age],
};

/** A Service's load balancer addresses as kubectl prints them (`<pending>` until assigned). */
function externalAddresses(o: Obj): string {
  const ingress: Obj[] = o.status?.loadBalancer?.ingress ?? [];
  if (ingress.length > 0) return ingress.map((i) => i.hostname ?? i.ip).join(',');
  return o.spec?.type === 'LoadBalancer' ? '<pending>' : '<none>';
}

/** Renders objects as a `meta.k8s.io/v1` Table. */
export function toTable(type: ResourceType, objects: KubeObj[], resourceVersion: string, now: number): Record<string, unknown> {
  const columns = COLUMNS[type.kind] ?? [name, age];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.name, priority: c.priority })),
    rows: objects.map((o) => ({
      cells: columns.map((c) => c.cell(o as Obj, now)),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}

/** Whether an Accept header asks for a Table. */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept);
}

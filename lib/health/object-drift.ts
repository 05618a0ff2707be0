/**
 * Where a cluster differs from what meshplane renders for a service. Pure.
 *
 * A live object matches its rendered one when every field meshplane sets has the same value in the
 * live object: the API server adds defaults, status and metadata of its own, and those are not drift.
 * Lists must have the same length (an extra container or port is drift), and their items are compared
 * the same way, in order.
 */
import { LABELS, MANAGED_BY } from '../mesh/labels.js';
import type { KubeObject } from '../ports/cluster-client.js';

/** One object out of line with the rendered state. */
export interface ObjectDrift {
  kind: string;
  namespace?: string;
  name: string;
  /** missing: not in the cluster; changed: a field differs (`field` says which); extra: owned but no longer rendered. */
  drift: 'missing' | 'changed' | 'extra';
  /** Path of the first differing field, e.g. `spec.replicas`. */
  field?: string;
}

const identity = (o: Pick<KubeObject, 'kind' | 'metadata'>) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** True when meshplane manages the object (ownership label), i.e. the objects the reconcile compares. */
export function isManaged(object: Pick<KubeObject, 'metadata'>): boolean {
  return object.metadata.labels?.[LABELS.managedBy] === MANAGED_BY;
}

/**
 * The drift of one service: each rendered object it manages that is missing or changed in `live`, and
 * each live object of the service that is no longer rendered. `live` holds the service's own objects.
 */
export function findDrift(rendered: readonly KubeObject[], live: readonly KubeObject[]): ObjectDrift[] {
  const byIdentity = new Map(live.map((o) => [identity(o), o]));
  const drift: ObjectDrift[] = [];
  const wanted = rendered.filter(isManaged);
  for (const want of wanted) {
    const have = byIdentity.get(identity(want));
    const at = { kind: want.kind, namespace: want.metadata.namespace, name: want.metadata.name };
    if (!have) {
      drift.push({ ...at, drift: 'missing' });
      continue;
    }
    const field = firstDifference(comparable(want), comparable(have), '');
    if (field !== undefined) drift.push({ ...at, drift: 'changed', field });
  }
  const renderedIds = new Set(wanted.map(identity));
  for (const have of live) {
    if (!renderedIds.has(identity(have))) drift.push({ kind: have.kind, namespace: have.metadata.namespace, name: have.metadata.name, drift: 'extra' });
  }
  return drift;
}

/** One line for an audit event, e.g. `Deployment default/cart missing; VirtualService default/cart changed (spec.http)`. */
export function describeDrift(drift: readonly ObjectDrift[], max = 5): string {
  const parts = drift.slice(0, max).map((d) => `${d.kind} ${d.namespace ? `${d.namespace}/` : ''}${d.name} ${d.drift}${d.field ? ` (${d.field})` : ''}`);
  return drift.length > max ? `${parts.join('; ')} and ${drift.length - max} more` : parts.join('; ');
}

/** The parts of an object meshplane owns: everything but server-managed metadata and status. */
function comparable(object: KubeObject): Record<string, unknown> {
  const { metadata, status: _status, ...rest } = object;
  return { ...rest, metadata: { labels: metadata.labels ?? {}, annotations: metadata.annotations ?? {} } };
}

/** Path of the first field of `want` whose value `have` does not carry, or undefined when all match. */
export function firstDifference(want: unknown, have: unknown, path: string): string | undefined {
  if (want === undefined || want === null) return undefined;
  const at = path || '(root)';
  if (Array.isArray(want)) {
    if (!Array.isArray(have) || have.length !== want.length) return at;
    for (let i = 0; i < want.length; i++) {
      const found = firstDifference(want[i], have[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof want === 'object') {
    if (typeof have !== 'object' || have === null || Array.isArray(have)) return at;
    for (const [key, value] of Object.entries(want)) {
      const found = firstDifference(value, (have as Record<string, unknown>)[key], path ? `${path}.${key}` : key);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  // Kubernetes answers int-or-string fields (ports, quantities given as numbers) in either form.
  return want === have || String(want) === String(have) ? undefined : at;
}

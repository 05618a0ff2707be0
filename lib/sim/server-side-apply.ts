/**
 * Server-side apply with a simple ownership model. The applied configuration is merged over the live
 * object (maps recursively, lists of named items item by item, other lists replaced) and the fields it
 * sets are recorded for its field manager in `metadata.managedFields` (FieldsV1 format). Fields the
 * same manager applied last time but no longer applies are removed, unless another applier owns them.
 * Differences from Kubernetes: no conflict detection (every apply behaves like `force=true`) and
 * non-apply writes do not take ownership.
 */
import type { KubeObj, ManagedFieldsEntry } from './sim-types.js';
import { isPlainObject } from './sim-types.js';

type Obj = Record<string, unknown>;

/** Fields a list item is identified by, in order of preference. */
const ITEM_KEYS = ['name', 'containerPort', 'port', 'mountPath', 'topologyKey', 'type', 'ip'] as const;

/** Metadata fields that are identity or server-owned and never part of an ownership set. */
const SERVER_METADATA = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'deletionTimestamp']);

/** The key field of a list of objects when every item has it; undefined for atomic lists. */
function listKey(list: unknown[]): string | undefined {
  if (list.length === 0 || !list.every(isPlainObject)) return undefined;
  return ITEM_KEYS.find((k) => list.every((item) => (item as Obj)[k] !== undefined));
}

function itemToken(item: Obj, key: string): string {
  return `k:${JSON.stringify({ [key]: item[key] })}`;
}

/** All field paths (FieldsV1 tokens) set by an applied configuration. */
export function fieldPaths(config: Obj, prefix: string[] = [], top = true): string[][] {
  const paths: string[][] = [];
  for (const [field, value] of Object.entries(config)) {
    if (top && (field === 'apiVersion' || field === 'kind' || field === 'status')) continue;
    if (prefix.length === 1 && prefix[0] === 'f:metadata' && SERVER_METADATA.has(field)) continue;
    const path = [...prefix, `f:${field}`];
    if (isPlainObject(value) && Object.keys(value).length > 0) {
      paths.push(path);
      paths.push(...fieldPaths(value, path, false));
    } else if (Array.isArray(value) && listKey(value)) {
      const key = listKey(value) as string;
      paths.push(path);
      for (const item of value as Obj[]) {
        const itemPath = [...path, itemToken(item, key)];
        paths.push(itemPath);
        paths.push(...fieldPaths(item, itemPath, false));
      }
    } else paths.push(path);
  }
  return paths;
}

/** Builds the FieldsV1 tree of a set of paths. */
export function toFieldsV1(paths: string[][]): Obj {
  const root: Obj = {};
  for (const path of paths) {
    let node = root;
    for (const token of path) node = (node[token] ??= {}) as Obj;
    if (path.length > 0 && path[path.length - 1].startsWith('k:')) node['.'] = {};
  }
  return root;
}

/** Flattens a FieldsV1 tree back into paths (every node is a path). */
export function fromFieldsV1(tree: Obj, prefix: string[] = []): string[][] {
  const paths: string[][] = [];
  for (const [token, child] of Object.entries(tree)) {
    if (token === '.') continue;
    const path = [...prefix, token];
    paths.push(path);
    if (isPlainObject(child)) paths.push(...fromFieldsV1(child, path));
  }
  return paths;
}

/** Merges an applied configuration over a live value. */
export function mergeApplied(live: unknown, applied: unknown): unknown {
  if (isPlainObject(applied)) {
    const result: Obj = isPlainObject(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(applied)) result[k] = v === null ? null : mergeApplied(result[k], v);
    return result;
  }
  if (Array.isArray(applied) && Array.isArray(live)) {
    const key = listKey(applied);
    if (key && listKey(live) === key) {
      const result = [...live];
      for (const item of applied as Obj[]) {
        const index = result.findIndex((l) => (l as Obj)[key] === item[key]);
        if (index >= 0) result[index] = mergeApplied(result[index], item);
        else result.push(structuredClone(item));
      }
      return result;
    }
  }
  return structuredClone(applied);
}

/** Removes the field at a FieldsV1 path from a document, in place. */
function removePath(doc: Obj, path: string[]): void {
  let node: unknown = doc;
  for (let i = 0; i < path.length; i++) {
    const token = path[i];
    const last = i === path.length - 1;
    if (token.startsWith('f:') && isPlainObject(node)) {
      const field = token.slice(2);
      if (last) delete node[field];
      else node = node[field];
    } else if (token.startsWith('k:') && Array.isArray(node)) {
      const selector = JSON.parse(token.slice(2)) as Obj;
      const index = node.findIndex((item) => isPlainObject(item) && Object.entries(selector).every(([k, v]) => item[k] === v));
      if (index < 0) return;
      if (last) node.splice(index, 1);
      else node = node[index];
    } else return;
    if (node === undefined) return;
  }
}

const pathId = (path: string[]) => path.join('\u0000');

function isEmptyObject(value: unknown): boolean {
  return isPlainObject(value) && Object.keys(value).length === 0;
}

/** The value at a FieldsV1 path, if present. */
function valueAt(doc: unknown, path: string[]): unknown {
  let node = doc;
  for (const token of path) {
    if (token.startsWith('f:') && isPlainObject(node)) node = node[token.slice(2)];
    else if (token.startsWith('k:') && Array.isArray(node)) {
      const selector = JSON.parse(token.slice(2)) as Obj;
      node = node.find((item) => isPlainObject(item) && Object.entries(selector).every(([k, v]) => item[k] === v));
    } else return undefined;
  }
  return node;
}

/**
 * Applies `config` as `manager` over `live` (undefined when the object does not exist yet) and returns
 * the resulting object with its managedFields updated. Server-owned metadata is kept from `live`.
 */
export function serverSideApply(live: KubeObj | undefined, config: KubeObj, manager: string, now: Date): KubeObj {
  const entries: ManagedFieldsEntry[] = live?.metadata.managedFields ?? [];
  const previous = entries.find((e) => e.manager === manager && e.operation === 'Apply' && !e.subresource);
  const others = entries.filter((e) => e !== previous && e.operation === 'Apply');
  const newPaths = fieldPaths(config as Obj);
  const newIds = new Set(newPaths.map(pathId));
  const othersIds = new Set(others.flatMap((e) => fromFieldsV1(e.fieldsV1)).map(pathId));

  const { status: _ignored, ...applied } = config;
  const merged = mergeApplied(live ?? {}, applied) as KubeObj;
  if (previous) {
    const previousPaths = fromFieldsV1(previous.fieldsV1);
    const parents = new Set(previousPaths.map((p) => pathId(p.slice(0, -1))));
    const stale = previousPaths.filter((p) => !newIds.has(pathId(p)) && !othersIds.has(pathId(p)));
    const staleItems = stale.filter((p) => p[p.length - 1].startsWith('k:')).map(pathId);
    // Deepest first: leaves go before the maps that hold them, so emptied maps can be pruned after.
    for (const path of stale.sort((a, b) => b.length - a.length)) {
      const id = pathId(path);
      if (staleItems.some((item) => id !== item && id.startsWith(`${item}\u0000`))) continue; // the whole item goes
      const isMap = parents.has(id) && !path[path.length - 1].startsWith('k:');
      // A map that held owned fields goes only once empty: other writers may have added to it.
      if (isMap && !isEmptyObject(valueAt(merged, path))) continue;
      removePath(merged as Obj, path);
    }
  }
  if (live) {
    merged.metadata = { ...merged.metadata, name: live.metadata.name, namespace: live.metadata.namespace };
    if (live.status !== undefined) merged.status = live.status;
  }
  const entry: ManagedFieldsEntry = {
    manager,
    operation: 'Apply',
    apiVersion: config.apiVersion,
    time: now.toISOString().replace(/\.\d+Z$/, 'Z'),
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(newPaths),
  };
  merged.metadata.managedFields = [...entries.filter((e) => e !== previous), entry];
  return merged;
}

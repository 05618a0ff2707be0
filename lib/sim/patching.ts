/**
 * The three non-apply patch formats: JSON merge patch (RFC 7386), strategic merge patch (merge patch
 * plus list merging by key and the `$patch`/`$retainKeys`/`$setElementOrder`/`$deleteFromPrimitiveList`
 * directives kubectl sends), and JSON patch (RFC 6902). All are pure: they return a new document.
 */
import { KubeApiError } from './api-errors.js';
import { isPlainObject, jsonEqual } from './sim-types.js';

type Obj = Record<string, unknown>;

/** RFC 7386 JSON merge patch. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const result: Obj = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/**
 * Merge keys of lists that a strategic merge patch merges item by item, by field name (the subset of
 * the Kubernetes schema's `patchMergeKey`s that matters here). Other lists are replaced.
 */
const MERGE_KEYS: Record<string, readonly string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  volumes: ['name'],
  env: ['name'],
  volumeMounts: ['mountPath'],
  ports: ['containerPort', 'port'],
  imagePullSecrets: ['name'],
  conditions: ['type'],
  hostAliases: ['ip'],
  topologySpreadConstraints: ['topologyKey'],
  ownerReferences: ['uid'],
};

/** The field a keyed list merges on, if the list is one of the known keyed lists. */
function mergeKeyFor(field: string, ...lists: unknown[][]): string | undefined {
  const candidates = MERGE_KEYS[field];
  if (!candidates) return undefined;
  const items = lists.flat().filter(isPlainObject);
  return candidates.find((k) => items.length > 0 && items.every((item) => k in item || item.$patch !== undefined)) ?? candidates[0];
}

/** Strategic merge patch, approximated from field names (no schema). */
export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return stripDirectives(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  let result: Obj = isPlainObject(target) ? { ...target } : {};
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys as string[]);
    result = Object.fromEntries(Object.entries(result).filter(([k]) => keep.has(k)));
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$retainKeys' || key === '$patch' || key.startsWith('$setElementOrder/')) continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const drop = Array.isArray(value) ? value : [];
      if (Array.isArray(result[field])) result[field] = (result[field] as unknown[]).filter((v) => !drop.some((d) => jsonEqual(d, v)));
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    if (Array.isArray(value)) {
      const current = Array.isArray(result[key]) ? (result[key] as unknown[]) : [];
      const mergeKey = mergeKeyFor(key, current, value);
      result[key] = mergeKey ? mergeKeyedList(current, value, mergeKey, patch[`$setElementOrder/${key}`]) : stripDirectives(value);
      continue;
    }
    const merged = applyStrategicMergePatch(result[key], value);
    if (merged === undefined) delete result[key];
    else result[key] = merged;
  }
  return result;
}

function mergeKeyedList(current: unknown[], patch: unknown[], mergeKey: string, order: unknown): unknown[] {
  const result = current.map((item) => item);
  for (const item of patch) {
    if (!isPlainObject(item)) continue;
    const index = result.findIndex((existing) => isPlainObject(existing) && jsonEqual(existing[mergeKey], item[mergeKey]));
    if (item.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    if (index >= 0) result[index] = applyStrategicMergePatch(result[index], item);
    else result.push(stripDirectives(item));
  }
  if (Array.isArray(order)) {
    const rank = (item: unknown) => {
      const i = order.findIndex((o) => isPlainObject(o) && isPlainObject(item) && jsonEqual(o[mergeKey], item[mergeKey]));
      return i < 0 ? order.length : i;
    };
    result.sort((a, b) => rank(a) - rank(b));
  }
  return result;
}

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isPlainObject(value)) return value;
  const out: Obj = {};
  for (const [k, v] of Object.entries(value)) if (!k.startsWith('$')) out[k] = stripDirectives(v);
  return out;
}

/** One RFC 6902 operation. */
export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw jsonPatchError(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function jsonPatchError(message: string): KubeApiError {
  return new KubeApiError(422, 'Invalid', `the server rejected our request due to an error in our request: ${message}`);
}

function resolveParent(doc: unknown, tokens: string[], path: string): { parent: Obj | unknown[]; last: string } {
  let node: unknown = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isPlainObject(node)) node = node[token];
    else node = undefined;
    if (node === undefined) throw jsonPatchError(`doc is missing path: "${path}"`);
  }
  if (!Array.isArray(node) && !isPlainObject(node)) throw jsonPatchError(`doc is missing path: "${path}"`);
  return { parent: node, last: tokens[tokens.length - 1] };
}

function getAt(doc: unknown, path: string): unknown {
  let node = doc;
  for (const token of parsePointer(path)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isPlainObject(node)) node = node[token];
    else node = undefined;
    if (node === undefined) throw jsonPatchError(`doc is missing path: "${path}"`);
  }
  return node;
}

function arrayIndex(list: unknown[], token: string, forInsert: boolean, path: string): number {
  if (forInsert && token === '-') return list.length;
  const index = Number(token);
  if (!/^\d+$/.test(token) || index > list.length || (!forInsert && index === list.length)) throw jsonPatchError(`invalid array index in "${path}"`);
  return index;
}

function addAt(doc: unknown, path: string, value: unknown): unknown {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return structuredClone(value);
  const { parent, last } = resolveParent(doc, tokens, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true, path), 0, structuredClone(value));
  else parent[last] = structuredClone(value);
  return doc;
}

function removeAt(doc: unknown, path: string): unknown {
  const tokens = parsePointer(path);
  const { parent, last } = resolveParent(doc, tokens, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, false, path), 1);
  else {
    if (!(last in parent)) throw jsonPatchError(`doc is missing path: "${path}"`);
    delete parent[last];
  }
  return doc;
}

/** RFC 6902 JSON patch. Throws a 422 KubeApiError when an operation cannot be applied. */
export function applyJsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw jsonPatchError('a JSON patch must be an array of operations');
  let doc = structuredClone(target);
  for (const raw of operations as JsonPatchOperation[]) {
    switch (raw.op) {
      case 'add':
        doc = addAt(doc, raw.path, raw.value);
        break;
      case 'remove':
        doc = removeAt(doc, raw.path);
        break;
      case 'replace':
        if (raw.path === '') {
          doc = structuredClone(raw.value);
          break;
        }
        getAt(doc, raw.path);
        doc = addAt(removeAt(doc, raw.path), raw.path, raw.value);
        break;
      case 'move': {
        const value = getAt(doc, raw.from ?? '');
        doc = addAt(removeAt(doc, raw.from ?? ''), raw.path, value);
        break;
      }
      case 'copy':
        doc = addAt(doc, raw.path, getAt(doc, raw.from ?? ''));
        break;
      case 'test':
        if (!jsonEqual(getAt(doc, raw.path), raw.value)) throw jsonPatchError(`testing value ${raw.path} failed`);
        break;
      default:
        throw jsonPatchError(`unexpected kind of JSON patch operation: ${JSON.stringify((raw as { op?: unknown }).op)}`);
    }
  }
  return doc;
}

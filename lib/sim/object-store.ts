/**
 * The in-memory object store behind the simulated API server: one global resourceVersion counter,
 * optimistic concurrency, generation tracking, and watch streams fed from a bounded change log.
 * Callers always get copies, so nobody can mutate stored state by accident.
 */
import { randomUUID } from 'node:crypto';
import { KubeApiError, alreadyExists, invalid, notFound, staleConflict } from './api-errors.js';
import { type ResourceType, RESOURCE_TYPES, typeKey } from './resource-types.js';
import { type KubeObj, jsonEqual } from './sim-types.js';

/** A change delivered to watchers; `previous` is the object before a MODIFIED or DELETED change. */
export interface StoreChange {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resourceVersion: number;
  typeKey: string;
  object: KubeObj;
  previous?: KubeObj;
}

/** Restricts a list or watch. */
export interface ObjectFilter {
  /** Only objects in this namespace (namespaced types); all namespaces when absent. */
  namespace?: string;
  /** Only objects for which this returns true. */
  matches?: (object: KubeObj) => boolean;
}

/** Serialized store contents, for snapshots. */
export interface StoreSnapshot {
  resourceVersion: number;
  objects: { typeKey: string; object: KubeObj }[];
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Everything of an object except metadata and status: what generation tracks. */
function specPart(object: KubeObj): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = object;
  return rest;
}

/** Random suffix of the form Kubernetes uses for generated names. */
export function randomSuffix(length = 5): string {
  let out = '';
  for (let i = 0; i < length; i++) out += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)];
  return out;
}

export class ObjectStore {
  private resourceVersion = 0;
  private readonly objects = new Map<string, Map<string, KubeObj>>();
  private readonly log: StoreChange[] = [];
  private readonly listeners = new Set<(change: StoreChange) => void>();

  /**
   * @param now simulated wall clock (ms since epoch) for creationTimestamp
   * @param logCapacity how many changes are kept for watches that resume from a resourceVersion
   */
  constructor(
    private readonly now: () => number,
    private readonly logCapacity = 10_000,
  ) {
    for (const t of RESOURCE_TYPES) this.objects.set(typeKey(t), new Map());
  }

  /** The latest resourceVersion handed out. */
  currentResourceVersion(): string {
    return String(this.resourceVersion);
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObj | undefined {
    const found = this.bucket(type).get(objectKey(type, namespace, name));
    return found ? clone(found) : undefined;
  }

  /** Like `get`, but a missing object is a 404 KubeApiError. */
  require(type: ResourceType, namespace: string | undefined, name: string): KubeObj {
    const found = this.get(type, namespace, name);
    if (!found) throw notFound(type, name);
    return found;
  }

  /** Matching objects sorted by namespace then name, as the API server lists them. */
  list(type: ResourceType, filter: ObjectFilter = {}): KubeObj[] {
    const out: KubeObj[] = [];
    for (const object of this.bucket(type).values()) if (passes(type, object, filter)) out.push(clone(object));
    return out.sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name));
  }

  /**
   * Like `list` without copying (unsorted): for controllers that only read. The objects must not be
   * mutated; pass a modified copy to `update`.
   */
  scan(type: ResourceType, filter: ObjectFilter = {}): readonly Readonly<KubeObj>[] {
    const out: KubeObj[] = [];
    for (const object of this.bucket(type).values()) if (passes(type, object, filter)) out.push(object);
    return out;
  }

  /** Stores a new object, filling uid, resourceVersion, generation and creationTimestamp. */
  create(type: ResourceType, input: KubeObj): KubeObj {
    const object = clone(input);
    const meta = object.metadata;
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`;
    validateName(type, meta.name);
    if (!type.namespaced) delete meta.namespace;
    const key = objectKey(type, meta.namespace, meta.name);
    if (this.bucket(type).has(key)) throw alreadyExists(type, meta.name);
    meta.uid = randomUUID();
    meta.creationTimestamp = new Date(this.now()).toISOString().replace(/\.\d+Z$/, 'Z');
    if (type.tracksGeneration) meta.generation = 1;
    delete meta.deletionTimestamp;
    return this.commit(type, 'ADDED', object, undefined);
  }

  /**
   * Replaces a stored object. `expectedResourceVersion`, when given, must equal the stored one (409
   * otherwise). An update that changes nothing keeps the resourceVersion, like the API server.
   */
  update(type: ResourceType, input: KubeObj, expectedResourceVersion?: string): KubeObj {
    const current = this.bucket(type).get(objectKey(type, input.metadata.namespace, input.metadata.name));
    // Controllers rewrite unchanged objects every tick; skip the copy when nothing would change.
    if (current && (expectedResourceVersion === undefined || expectedResourceVersion === current.metadata.resourceVersion) && jsonEqual(current, input))
      return clone(current);
    const object = clone(input);
    const meta = object.metadata;
    if (!current) throw notFound(type, meta.name);
    if (expectedResourceVersion !== undefined && expectedResourceVersion !== '' && expectedResourceVersion !== current.metadata.resourceVersion)
      throw staleConflict(type, meta.name);
    if (!type.namespaced) delete meta.namespace;
    meta.uid = current.metadata.uid;
    meta.creationTimestamp = current.metadata.creationTimestamp;
    meta.resourceVersion = current.metadata.resourceVersion;
    meta.generation = current.metadata.generation;
    if (type.tracksGeneration && !jsonEqual(specPart(current), specPart(object))) meta.generation = (current.metadata.generation ?? 1) + 1;
    if (jsonEqual(current, object)) return clone(current);
    return this.commit(type, 'MODIFIED', object, current);
  }

  /**
   * update() for controllers that do not read the result: an unchanged object (what a controller writes
   * at most ticks) costs a comparison, not the defensive copy update() returns.
   */
  write(type: ResourceType, input: KubeObj): void {
    const current = this.bucket(type).get(objectKey(type, input.metadata.namespace, input.metadata.name));
    if (current && jsonEqual(current, input)) return;
    this.update(type, input);
  }

  delete(type: ResourceType, namespace: string | undefined, name: string): KubeObj {
    const bucket = this.bucket(type);
    const key = objectKey(type, namespace, name);
    const current = bucket.get(key);
    if (!current) throw notFound(type, name);
    bucket.delete(key);
    const object = clone(current);
    this.resourceVersion++;
    object.metadata.resourceVersion = String(this.resourceVersion);
    this.publish({ type: 'DELETED', resourceVersion: this.resourceVersion, typeKey: typeKey(type), object, previous: current });
    return clone(object);
  }

  /**
   * Subscribes to changes of one type after `sinceResourceVersion` (replayed from the change log; 410
   * Gone when the log no longer reaches back that far). Returns the unsubscribe function.
   */
  watch(type: ResourceType, sinceResourceVersion: number | undefined, onChange: (change: StoreChange) => void): () => void {
    const key = typeKey(type);
    if (sinceResourceVersion !== undefined) {
      const oldest = this.log.length > 0 ? this.log[0].resourceVersion : this.resourceVersion + 1;
      if (sinceResourceVersion < oldest - 1 && this.log.length >= this.logCapacity)
        throw new KubeApiError(410, 'Gone', `too old resource version: ${sinceResourceVersion} (${oldest - 1})`);
      for (const change of this.log) if (change.typeKey === key && change.resourceVersion > sinceResourceVersion) onChange(change);
    }
    const listener = (change: StoreChange) => {
      if (change.typeKey === key) onChange(change);
    };
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Subscribes to every change of every type (used by controllers to react quickly). */
  onAnyChange(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  snapshot(): StoreSnapshot {
    const objects: StoreSnapshot['objects'] = [];
    for (const [key, bucket] of this.objects) for (const object of bucket.values()) objects.push({ typeKey: key, object: clone(object) });
    return { resourceVersion: this.resourceVersion, objects };
  }

  /** Replaces all contents with a snapshot (no watch events are sent). */
  restore(snapshot: StoreSnapshot): void {
    for (const bucket of this.objects.values()) bucket.clear();
    for (const { typeKey: key, object } of snapshot.objects) {
      const type = RESOURCE_TYPES.find((t) => typeKey(t) === key);
      if (type) this.bucket(type).set(objectKey(type, object.metadata.namespace, object.metadata.name), clone(object));
    }
    this.resourceVersion = snapshot.resourceVersion;
    this.log.length = 0;
  }

  private bucket(type: ResourceType): Map<string, KubeObj> {
    const bucket = this.objects.get(typeKey(type));
    if (!bucket) throw new Error(`resource type ${typeKey(type)} is not stored`);
    return bucket;
  }

  private commit(type: ResourceType, kind: 'ADDED' | 'MODIFIED', object: KubeObj, previous: KubeObj | undefined): KubeObj {
    this.resourceVersion++;
    object.metadata.resourceVersion = String(this.resourceVersion);
    this.bucket(type).set(objectKey(type, object.metadata.namespace, object.metadata.name), object);
    this.publish({ type: kind, resourceVersion: this.resourceVersion, typeKey: typeKey(type), object: clone(object), previous });
    return clone(object);
  }

  private publish(change: StoreChange): void {
    this.log.push(change);
    if (this.log.length > this.logCapacity) this.log.splice(0, this.log.length - this.logCapacity);
    for (const listener of [...this.listeners]) listener(change);
  }
}

function objectKey(type: ResourceType, namespace: string | undefined, name: string): string {
  return type.namespaced ? `${namespace ?? ''}/${name}` : name;
}

function passes(type: ResourceType, object: KubeObj, filter: ObjectFilter): boolean {
  if (type.namespaced && filter.namespace !== undefined && object.metadata.namespace !== filter.namespace) return false;
  return filter.matches ? filter.matches(object) : true;
}

function validateName(type: ResourceType, name: string | undefined): asserts name is string {
  if (!name) throw invalid(type, '', [{ field: 'metadata.name', message: 'Required value: name or generateName is required', reason: 'FieldValueRequired' }]);
  if (name.length > 253 || !NAME.test(name))
    throw invalid(type, name, [
      {
        field: 'metadata.name',
        message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`,
      },
    ]);
}

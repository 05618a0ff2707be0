/**
 * The Kubernetes REST surface of the simulated API server: resource paths, verbs (get, list, watch,
 * create, update, the four patch types, delete, deletecollection), the status and scale subresources,
 * and Table output for kubectl. Storage is the ObjectStore; defaults and validation are in admission.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ClusterIpAllocator, applyDefaults, validateObject } from './admission.js';
import { KubeApiError, alreadyExists, badRequest, methodNotAllowed, notFound, statusObject } from './api-errors.js';
import { apiGroupDocument, apiGroupList, apiResourceList, coreApiVersions } from './discovery.js';
import { evictPod } from './eviction.js';
import { mediaType, readBody, sendJson } from './http-util.js';
import type { ObjectStore, StoreChange } from './object-store.js';
import { POD_SUBRESOURCES, type PodSubresourceTarget } from './pod-subresources.js';
import { PROTOBUF_MEDIA_TYPE, decodeKubernetesProtobuf } from './protobuf.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patching.js';
import { RESOURCE_TYPES, type ResourceType, findResourceType, groupVersion, resourceType } from './resource-types.js';
import { matchesFields, matchesRequirements, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { serverSideApply } from './server-side-apply.js';
import { type KubeObj, isPlainObject } from './sim-types.js';
import { toTable, wantsTable } from './tables.js';

/** A request path resolved to a resource. */
export interface ResourceRoute {
  type: ResourceType;
  version: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** What a Kubernetes API path names: a discovery document, a resource, or nothing served. */
export type KubePath =
  { kind: 'groups' } | { kind: 'discovery'; group: string; version?: string } | { kind: 'resource'; route: ResourceRoute } | { kind: 'unknown' };

/** Resolves `/api/v1/...` and `/apis/<group>/<version>/...` paths. */
export function parseKubePath(pathname: string): KubePath {
  const seg = pathname
    .split('/')
    .filter((s) => s.length > 0)
    .map(decodeURIComponent);
  let group: string;
  let version: string | undefined;
  let rest: string[];
  if (seg[0] === 'apis' && seg.length === 1) return { kind: 'groups' };
  if (seg[0] === 'api') [group, version, rest] = ['', seg[1], seg.slice(2)];
  else if (seg[0] === 'apis' && seg.length >= 2) [group, version, rest] = [seg[1], seg[2], seg.slice(3)];
  else return { kind: 'unknown' };
  if (version === undefined || rest.length === 0) return { kind: 'discovery', group, version };
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const type = findResourceType(group, version, rest[2]);
    if (type?.namespaced && rest.length <= 5) return { kind: 'resource', route: { type, version, namespace: rest[1], name: rest[3], subresource: rest[4] } };
  }
  const type = findResourceType(group, version, rest[0]);
  if (!type || rest.length > 3) return { kind: 'unknown' };
  return { kind: 'resource', route: { type, version, name: rest[1], subresource: rest[2] } };
}

const NAMESPACES = resourceType('namespaces');

/** Serves Kubernetes API requests from an ObjectStore. */
export class KubeApi {
  private readonly ips = new ClusterIpAllocator();
  private readonly watches = new Set<ServerResponse>();

  constructor(
    private readonly store: ObjectStore,
    private readonly now: () => number,
    private readonly serverAddress: () => string,
    private readonly hooks: {
      /** Serves pod subresources other than status (log, exec, …). */
      podSubresource?: (req: IncomingMessage, res: ServerResponse, target: PodSubresourceTarget, url: URL) => void;
      /** The objects of a computed (read-only) type, e.g. metrics.k8s.io. */
      computed?: (type: ResourceType) => KubeObj[];
    } = {},
  ) {}

  /** Handles one request whose path starts with /api or /apis. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = parseKubePath(url.pathname);
    if (path.kind === 'groups') return sendJson(res, 200, apiGroupList());
    if (path.kind === 'discovery') return this.discovery(res, path.group, path.version, url.pathname);
    if (path.kind === 'unknown') throw new KubeApiError(404, 'NotFound', 'the server could not find the requested resource');
    const route = path.route;
    const method = req.method ?? 'GET';
    const podSubresource = this.hooks.podSubresource;
    if (
      podSubresource &&
      route.type.kind === 'Pod' &&
      route.namespace &&
      route.name &&
      (POD_SUBRESOURCES as readonly string[]).includes(route.subresource ?? '')
    )
      return podSubresource(req, res, { namespace: route.namespace, name: route.name, subresource: route.subresource as string }, url);
    if (route.type.computed) return this.computed(req, res, route, url);
    if (route.subresource && !(route.type.subresources as readonly string[]).includes(route.subresource))
      throw new KubeApiError(404, 'NotFound', 'the server could not find the requested resource');
    if (route.type.namespaced && route.namespace === undefined && route.name !== undefined)
      throw new KubeApiError(404, 'NotFound', 'the server could not find the requested resource');

    if (method === 'GET') {
      if (route.name !== undefined) return this.get(req, res, route);
      const watch = url.searchParams.get('watch');
      if (watch === 'true' || watch === '1') return this.watch(req, res, route, url);
      return this.list(req, res, route, url);
    }
    const dryRun = url.searchParams.getAll('dryRun').includes('All');
    const body = await readBody(req);
    if (method === 'POST' && route.subresource === 'eviction' && route.name !== undefined)
      return sendJson(res, 201, evictPod(this.store, route.namespace as string, route.name, decodeObject(body, req), dryRun));
    if (method === 'POST' && route.name === undefined) return this.respond(res, 201, route, this.create(route, decodeObject(body, req), dryRun));
    if (method === 'PUT' && route.name !== undefined) return this.respond(res, 200, route, this.update(route, decodeObject(body, req), dryRun));
    if (method === 'PATCH' && route.name !== undefined) {
      const { object, created } = this.patch(route, body, mediaType(req), url, dryRun);
      return this.respond(res, created ? 201 : 200, route, object);
    }
    if (method === 'DELETE' && route.name !== undefined && !route.subresource) return sendJson(res, 200, this.deleteOne(route, dryRun));
    if (method === 'DELETE' && route.name === undefined) return sendJson(res, 200, this.deleteCollection(route, url, dryRun));
    throw methodNotAllowed(method, url.pathname);
  }

  /** get and list of a computed type (no other verb, no subresources). */
  private computed(req: IncomingMessage, res: ServerResponse, route: ResourceRoute, url: URL): void {
    if (req.method !== 'GET' || route.subresource) throw methodNotAllowed(req.method ?? 'GET', url.pathname);
    const all = this.hooks.computed?.(route.type) ?? [];
    if (route.name !== undefined) {
      const found = all.find((o) => o.metadata.name === route.name && (!route.type.namespaced || o.metadata.namespace === route.namespace));
      if (!found) throw notFound(route.type, route.name);
      return sendJson(res, 200, found);
    }
    const matches = this.filterFor(route, url);
    const items = all.filter(matches);
    if (wantsTable(req.headers.accept))
      return sendJson(res, 200, toTable(route.type, items, this.store.currentResourceVersion(), this.now()), 'application/json;as=Table;v=v1;g=meta.k8s.io');
    sendJson(res, 200, { kind: `${route.type.kind}List`, apiVersion: groupVersion(route.type.group, route.version), metadata: {}, items });
  }

  /** Ends every open watch stream (on shutdown). */
  closeWatches(): void {
    for (const res of this.watches) res.end();
    this.watches.clear();
  }

  private discovery(res: ServerResponse, group: string, version: string | undefined, pathname: string): void {
    let doc: Record<string, unknown> | undefined;
    if (group === '' && version === undefined) doc = coreApiVersions(this.serverAddress());
    else if (version === undefined) doc = apiGroupDocument(group);
    else doc = apiResourceList(group, version);
    if (!doc) throw new KubeApiError(404, 'NotFound', `the server could not find the requested resource (get ${pathname})`);
    sendJson(res, 200, doc);
  }

  private respond(res: ServerResponse, status: number, route: ResourceRoute, object: KubeObj): void {
    sendJson(res, status, route.subresource === 'scale' ? toScale(object) : present(object, route));
  }

  private get(req: IncomingMessage, res: ServerResponse, route: ResourceRoute): void {
    const object = this.store.require(route.type, route.namespace, route.name as string);
    if (route.subresource === 'scale') return sendJson(res, 200, toScale(object));
    if (wantsTable(req.headers.accept) && !route.subresource)
      return sendJson(res, 200, toTable(route.type, [object], this.store.currentResourceVersion(), this.now()), 'application/json;as=Table;v=v1;g=meta.k8s.io');
    sendJson(res, 200, present(object, route));
  }

  private filterFor(route: ResourceRoute, url: URL): (o: KubeObj) => boolean {
    const labels = parseLabelSelector(url.searchParams.get('labelSelector'));
    const fields = parseFieldSelector(url.searchParams.get('fieldSelector'));
    return (o) =>
      (!route.type.namespaced || route.namespace === undefined || o.metadata.namespace === route.namespace) &&
      matchesRequirements(labels, o.metadata.labels) &&
      matchesFields(fields, o);
  }

  private list(req: IncomingMessage, res: ServerResponse, route: ResourceRoute, url: URL): void {
    const items = this.store.list(route.type, { namespace: route.namespace, matches: this.filterFor(route, url) });
    const resourceVersion = this.store.currentResourceVersion();
    if (wantsTable(req.headers.accept))
      return sendJson(res, 200, toTable(route.type, items, resourceVersion, this.now()), 'application/json;as=Table;v=v1;g=meta.k8s.io');
    sendJson(res, 200, {
      kind: `${route.type.kind}List`,
      apiVersion: groupVersion(route.type.group, route.version),
      metadata: { resourceVersion },
      items: items.map((o) => present(o, route)),
    });
  }

  private watch(req: IncomingMessage, res: ServerResponse, route: ResourceRoute, url: URL): void {
    const matches = this.filterFor(route, url);
    const rvParam = url.searchParams.get('resourceVersion');
    const since = rvParam && rvParam !== '0' ? Number(rvParam) : undefined;
    if (since !== undefined && !Number.isFinite(since)) throw badRequest(`invalid resourceVersion "${rvParam}"`);
    const send = (type: string, object: KubeObj) => res.write(`${JSON.stringify({ type, object: present(object, route) })}\n`);
    const onChange = (change: StoreChange) => {
      const now = matches(change.object);
      const before = change.previous ? matches(change.previous) : false;
      if (change.type === 'ADDED' && now) send('ADDED', change.object);
      else if (change.type === 'MODIFIED') {
        if (now && before) send('MODIFIED', change.object);
        else if (now) send('ADDED', change.object);
        else if (before) send('DELETED', change.object);
      } else if (change.type === 'DELETED' && (before || now)) send('DELETED', change.object);
    };
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache', 'Transfer-Encoding': 'chunked' });
    // Clients wait for the headers before they consider the watch established.
    res.flushHeaders();
    if (since === undefined) for (const object of this.store.list(route.type, { namespace: route.namespace, matches })) send('ADDED', object);
    let unsubscribe: () => void = () => undefined;
    try {
      unsubscribe = this.store.watch(route.type, since, onChange);
    } catch (err) {
      if (err instanceof KubeApiError) res.write(`${JSON.stringify({ type: 'ERROR', object: err.toStatus() })}\n`);
      res.end();
      return;
    }
    this.watches.add(res);
    const timeoutSeconds = Number(url.searchParams.get('timeoutSeconds') ?? '0');
    const timer = timeoutSeconds > 0 ? setTimeout(() => res.end(), timeoutSeconds * 1000) : undefined;
    timer?.unref();
    const close = () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
      this.watches.delete(res);
    };
    res.on('close', close);
    req.on('close', close);
  }

  private requireNamespace(route: ResourceRoute): void {
    if (route.type.namespaced && route.namespace !== undefined && !this.store.get(NAMESPACES, undefined, route.namespace))
      throw notFound(NAMESPACES, route.namespace);
  }

  /** Checks identity fields of a body against the URL and fills the missing ones. */
  private bind(route: ResourceRoute, object: KubeObj): KubeObj {
    const expectedApiVersion = groupVersion(route.type.group, route.version);
    if (object.kind !== undefined && object.kind !== route.type.kind)
      throw badRequest(`the kind of the provided object (${object.kind}) does not match the resource (${route.type.kind})`);
    object.kind = route.type.kind;
    object.apiVersion ??= expectedApiVersion;
    if (!isPlainObject(object.metadata)) object.metadata = { name: '' };
    if (route.type.namespaced) {
      if (object.metadata.namespace !== undefined && object.metadata.namespace !== '' && object.metadata.namespace !== route.namespace)
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      if (route.namespace === undefined) throw methodNotAllowed('POST', 'a namespaced resource without a namespace');
      object.metadata.namespace = route.namespace;
    }
    if (route.name !== undefined && object.metadata.name && object.metadata.name !== route.name)
      throw badRequest('the name of the object does not match the name on the URL');
    if (route.name !== undefined) object.metadata.name = route.name;
    return object;
  }

  private admit(route: ResourceRoute, object: KubeObj): void {
    object.apiVersion = groupVersion(route.type.group, route.type.versions[0]);
    applyDefaults(route.type, object, this.ips);
    validateObject(route.type, object);
  }

  private create(route: ResourceRoute, input: KubeObj, dryRun: boolean): KubeObj {
    if (route.subresource) throw methodNotAllowed('POST', route.subresource);
    const object = this.bind(route, input);
    this.requireNamespace(route);
    delete object.metadata.resourceVersion;
    this.admit(route, object);
    if (dryRun) {
      if (this.store.get(route.type, object.metadata.namespace, object.metadata.name)) throw alreadyExists(route.type, object.metadata.name);
      return object;
    }
    return this.store.create(route.type, object);
  }

  /** Stores `next` as the new state of `current`, honouring the status subresource split. */
  private write(route: ResourceRoute, current: KubeObj, next: KubeObj, expectedRv: string | undefined, dryRun: boolean): KubeObj {
    let result = next;
    if (route.subresource === 'status') result = { ...current, status: next.status };
    else if (route.subresource === 'scale') result = current;
    else if (route.type.subresources.includes('status')) result = { ...next, status: current.status };
    if (result.status === undefined) delete result.status;
    result.metadata.name = current.metadata.name;
    if (route.type.namespaced) result.metadata.namespace = current.metadata.namespace;
    this.admit(route, result);
    if (dryRun) return result;
    return this.store.update(route.type, result, expectedRv);
  }

  private update(route: ResourceRoute, input: KubeObj, dryRun: boolean): KubeObj {
    const current = this.store.require(route.type, route.namespace, route.name as string);
    if (route.subresource === 'scale') {
      const replicas = (input.spec as { replicas?: number } | undefined)?.replicas;
      return this.scaleTo(route, current, replicas, input.metadata?.resourceVersion, dryRun);
    }
    const object = this.bind(route, input);
    return this.write(route, current, object, object.metadata.resourceVersion, dryRun);
  }

  private scaleTo(route: ResourceRoute, current: KubeObj, replicas: unknown, expectedRv: string | undefined, dryRun: boolean): KubeObj {
    if (typeof replicas !== 'number' || replicas < 0 || !Number.isInteger(replicas))
      throw new KubeApiError(
        422,
        'Invalid',
        `Scale.autoscaling "${current.metadata.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
      );
    const next = structuredClone(current);
    (next.spec as { replicas: number }).replicas = replicas;
    this.admit(route, next);
    return dryRun ? next : this.store.update(route.type, next, expectedRv);
  }

  private patch(route: ResourceRoute, body: Buffer, type: string, url: URL, dryRun: boolean): { object: KubeObj; created: boolean } {
    const current = this.store.get(route.type, route.namespace, route.name as string);
    if (type === 'application/apply-patch+yaml' || type === 'application/apply-patch+json') {
      const manager = url.searchParams.get('fieldManager');
      if (!manager) throw badRequest('PATCH with apply requires fieldManager');
      const config = this.bind(route, parseDocument(body.toString('utf8'), true) as KubeObj);
      if (!current) {
        if (route.subresource) throw notFound(route.type, route.name as string);
        this.requireNamespace(route);
        const object = serverSideApply(undefined, config, manager, new Date(this.now()));
        delete object.metadata.resourceVersion;
        this.admit(route, object);
        return { object: dryRun ? object : this.store.create(route.type, object), created: true };
      }
      const expected = config.metadata.resourceVersion;
      if (route.subresource === 'scale')
        return { object: this.scaleTo(route, current, (config.spec as { replicas?: number })?.replicas, expected, dryRun), created: false };
      const next = serverSideApply(current, config, manager, new Date(this.now()));
      return { object: this.write(route, current, next, expected, dryRun), created: false };
    }
    if (!current) throw notFound(route.type, route.name as string);
    const patchDoc = parseDocument(body.toString('utf8'), false);
    const base = route.subresource === 'scale' ? toScale(current) : current;
    let patched: unknown;
    if (type === 'application/merge-patch+json') patched = applyMergePatch(base, patchDoc);
    else if (type === 'application/strategic-merge-patch+json') patched = applyStrategicMergePatch(base, patchDoc);
    else if (type === 'application/json-patch+json') patched = applyJsonPatch(base, patchDoc);
    else
      throw new KubeApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
      );
    if (!isPlainObject(patched)) throw badRequest('the patch did not produce an object');
    const next = patched as KubeObj;
    const patchRv = isPlainObject(patchDoc) && isPlainObject(patchDoc.metadata) ? (patchDoc.metadata.resourceVersion as string | undefined) : undefined;
    if (route.subresource === 'scale')
      return { object: this.scaleTo(route, current, (next.spec as { replicas?: number })?.replicas, patchRv, dryRun), created: false };
    if (!isPlainObject(next.metadata)) throw badRequest('the patch removed metadata');
    return { object: this.write(route, current, next, patchRv, dryRun), created: false };
  }

  private deleteOne(route: ResourceRoute, dryRun: boolean): Record<string, unknown> {
    const name = route.name as string;
    if (route.type === NAMESPACES && (name === 'default' || name === 'kube-system'))
      throw new KubeApiError(403, 'Forbidden', `namespaces "${name}" is forbidden: this namespace may not be deleted`);
    const object = dryRun ? this.store.require(route.type, route.namespace, name) : this.store.delete(route.type, route.namespace, name);
    if (route.type === NAMESPACES && !dryRun) this.deleteNamespaceContents(name);
    if (route.type.kind === 'Pod') return present(object, route);
    return statusObject(200, undefined, '', { name, group: route.type.group, kind: route.type.plural, uid: object.metadata.uid });
  }

  private deleteNamespaceContents(namespace: string): void {
    for (const type of RESOURCE_TYPES.filter((t) => t.namespaced))
      for (const object of this.store.list(type, { namespace })) this.store.delete(type, namespace, object.metadata.name);
  }

  private deleteCollection(route: ResourceRoute, url: URL, dryRun: boolean): Record<string, unknown> {
    const items = this.store.list(route.type, { namespace: route.namespace, matches: this.filterFor(route, url) });
    const deleted = dryRun ? items : items.map((o) => this.store.delete(route.type, o.metadata.namespace, o.metadata.name));
    return {
      kind: `${route.type.kind}List`,
      apiVersion: groupVersion(route.type.group, route.version),
      metadata: { resourceVersion: this.store.currentResourceVersion() },
      items: deleted.map((o) => present(o, route)),
    };
  }
}

/** An object as served at the requested version (Istio v1beta1 reads of v1-stored objects). */
function present(object: KubeObj, route: ResourceRoute): KubeObj {
  return { ...object, apiVersion: groupVersion(route.type.group, route.version) };
}

function toScale(object: KubeObj): KubeObj {
  const spec = (object.spec ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  const status = (object.status ?? {}) as { replicas?: number };
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: object.metadata.name,
      namespace: object.metadata.namespace,
      uid: object.metadata.uid,
      resourceVersion: object.metadata.resourceVersion,
      creationTimestamp: object.metadata.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: {
      replicas: status.replicas ?? 0,
      selector: Object.entries(spec.selector?.matchLabels ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    },
  };
}

function parseDocument(text: string, allowYaml: boolean): unknown {
  try {
    return allowYaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw badRequest(`the request body could not be decoded: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function decodeObject(body: Buffer, req: IncomingMessage): KubeObj {
  const type = mediaType(req);
  if (type === PROTOBUF_MEDIA_TYPE) return decodeKubernetesProtobuf(body);
  const doc = parseDocument(body.toString('utf8'), type === 'application/yaml' || type === 'application/apply-patch+yaml');
  if (!isPlainObject(doc)) throw badRequest('the request body must be a JSON object');
  return doc as KubeObj;
}

/**
 * The pod subresources kubectl uses besides status: `log` (synthetic logs from logs.ts, with
 * `container`, `previous`, `tailLines`, `sinceSeconds`, `sinceTime`, `timestamps`, `limitBytes` and
 * `follow`), and `exec`, `attach`, `portforward`, which the simulated cluster cannot serve (its
 * containers run no processes) and answers with a Status saying so.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KubeApiError, badRequest } from './api-errors.js';
import { type LogBook, formatLine, renderLog } from './logs.js';
import type { ObjectStore } from './object-store.js';
import { resourceType } from './resource-types.js';
import type { KubeObj } from './sim-types.js';

type Obj = Record<string, any>;

const PODS = resourceType('pods');

/** Pod subresources answered here. */
export const POD_SUBRESOURCES = ['log', 'exec', 'attach', 'portforward'] as const;

function optionalInt(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid ${name} "${raw}": must be a non-negative integer`);
  return n;
}

function flag(url: URL, name: string): boolean {
  const v = url.searchParams.get(name);
  return v === 'true' || v === '1';
}

/** The container a log request names (or the pod's only one). */
function chooseContainer(pod: KubeObj, requested: string | null): string {
  const names = (((pod.spec as Obj | undefined)?.containers ?? []) as Obj[]).map((c) => String(c.name));
  if (!requested) {
    if (names.length === 1) return names[0];
    throw badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${names.join(' ')}]`);
  }
  if (!names.includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${pod.metadata.name}`);
  return requested;
}

/** The pod and subresource a request names. */
export interface PodSubresourceTarget {
  namespace: string;
  name: string;
  subresource: string;
}

/** Serves one pod subresource request. */
export function handlePodSubresource(
  req: IncomingMessage,
  res: ServerResponse,
  target: PodSubresourceTarget,
  url: URL,
  deps: { store: ObjectStore; logs: LogBook; now: () => number },
): void {
  const pod = deps.store.require(PODS, target.namespace, target.name);
  if (target.subresource !== 'log')
    throw new KubeApiError(
      400,
      'BadRequest',
      `${target.subresource} is not supported by the simulated cluster: pod ${target.name} has no running processes (its containers are simulated); use kubectl logs, describe and get events instead`,
    );
  const container = chooseContainer(pod, url.searchParams.get('container'));
  const status = (((pod.status as Obj | undefined)?.containerStatuses ?? []) as Obj[]).find((c) => c.name === container);
  const previous = flag(url, 'previous');
  const lines = deps.logs.lines(pod.metadata.uid as string, container, previous);
  if (previous && !lines) throw badRequest(`previous terminated container "${container}" in pod "${pod.metadata.name}" not found`);
  if (!lines) {
    const reason = status?.state?.waiting?.reason ?? 'ContainerCreating';
    throw badRequest(`container "${container}" in pod "${pod.metadata.name}" is waiting to start: ${reason}`);
  }
  const query = {
    previous,
    tailLines: optionalInt(url, 'tailLines'),
    sinceSeconds: optionalInt(url, 'sinceSeconds'),
    sinceTime: url.searchParams.get('sinceTime') ?? undefined,
    timestamps: flag(url, 'timestamps'),
    limitBytes: optionalInt(url, 'limitBytes'),
  };
  const text = renderLog(lines, query, deps.now());
  if (!flag(url, 'follow') || previous) {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
  res.write(text);
  const stopFollowing = deps.logs.follow(pod.metadata.uid as string, container, (line) => res.write(formatLine(line, query.timestamps)));
  // The stream ends when the pod goes away, as the kubelet's does.
  const stopWatching = deps.store.watch(PODS, undefined, (change) => {
    if (change.type === 'DELETED' && change.object.metadata.uid === pod.metadata.uid) res.end();
  });
  const close = () => {
    stopFollowing();
    stopWatching();
  };
  res.on('close', close);
  req.on('close', close);
}

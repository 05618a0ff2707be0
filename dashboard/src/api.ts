/**
 * The dashboard's view of the meshplane HTTP API: same origin (locally the runtime serves both; on AWS
 * CloudFront sends /v1/* to the API), with a bearer token when one was given (JWT mode on AWS).
 */
import type { AuditEvent, Deployment, MeshView, Operation, OptimizerRun, OptimizerRunSummary, Page, ServiceView } from './api-types.js';

export type * from './api-types.js';

const TOKEN_KEY = 'meshplane.token';

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY) ?? undefined,
  set: (value: string) => (value ? sessionStorage.setItem(TOKEN_KEY, value) : sessionStorage.removeItem(TOKEN_KEY)),
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const bearer = token.get();
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const parsed = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const message = (parsed as { error?: { message?: string } } | undefined)?.error?.message ?? `${method} ${path}: HTTP ${res.status}`;
    throw new ApiError(res.status, message);
  }
  return parsed as T;
}

const enc = encodeURIComponent;

export const api = {
  mesh: () => call<MeshView>('GET', '/v1/mesh'),
  service: (name: string) => call<ServiceView>('GET', `/v1/services/${enc(name)}`),
  events: (name: string, limit = 50) => call<Page<AuditEvent>>('GET', `/v1/services/${enc(name)}/events?limit=${limit}`),
  revisions: (name: string) =>
    call<Page<{ revision: number; createdAt: string; spec: Record<string, unknown> }>>('GET', `/v1/services/${enc(name)}/revisions?limit=20`),
  deployments: (name: string) => call<Page<Deployment>>('GET', `/v1/services/${enc(name)}/deployments?limit=20`),
  deployment: (name: string, id: string) => call<Deployment>('GET', `/v1/services/${enc(name)}/deployments/${enc(id)}`),
  promote: (name: string, id: string) => call<Deployment>('POST', `/v1/services/${enc(name)}/deployments/${enc(id)}/promote`, {}),
  abort: (name: string, id: string) => call<Deployment>('POST', `/v1/services/${enc(name)}/deployments/${enc(id)}/abort`, {}),
  deploy: (name: string, image: string) => call<{ deploymentId: string }>('POST', `/v1/services/${enc(name)}/deployments`, { image }),
  startOptimizer: (body: Record<string, unknown>) => call<{ runId: string; operationId: string }>('POST', '/v1/optimizer/runs', body),
  operation: (id: string) => call<Operation>('GET', `/v1/operations/${enc(id)}`),
  run: (id: string) => call<OptimizerRun>('GET', `/v1/optimizer/runs/${enc(id)}`),
  runs: (cursor?: string) => call<Page<OptimizerRunSummary>>('GET', `/v1/optimizer/runs?limit=20${cursor ? `&cursor=${enc(cursor)}` : ''}`),
};

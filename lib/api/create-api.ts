import { readFile } from 'node:fs/promises';
import type { CoreDeps } from '../usecases/deps.js';
import { json } from './http.js';
import { Router, type Route, type RouteGroup } from './router.js';
import type { ClusterRouteDeps } from './routes/cluster-routes.js';

export const API_VERSION = '1.0.0';

/** The API reads and writes the store and enqueues work; it never calls a cluster. */
export type ApiDeps = CoreDeps & Pick<ClusterRouteDeps, 'adminAccess' | 'admitKubeconfig' | 'clusters'>;

/**
 * The OpenAPI document of these routes, generated from their zod schemas when the tests run (see
 * test/lib/api/openapi.test.ts, which fails when it no longer matches the routes). Read on the first
 * request for it: building it from the schemas at start made every cold start's first request slower by
 * about as much as loading the rest of the handler, and bundled zod's JSON-schema converter. Ships beside
 * the Lambda bundle (`assets` of the api handler).
 */
export const OPENAPI_DOCUMENT_URL = new URL('openapi.json', import.meta.url);

let openApiBody: Promise<string> | undefined;
function openApiDocument(): Promise<string> {
  openApiBody ??= readFile(OPENAPI_DOCUMENT_URL, 'utf8').then(
    (text) => JSON.stringify(JSON.parse(text)),
    (err: unknown) => {
      openApiBody = undefined;
      throw err;
    },
  );
  return openApiBody;
}

/**
 * The routes of one module of `routes/`, loaded (its schemas built, its use cases imported) on the first
 * request to one of `paths`, which must be exactly the paths it serves.
 */
function group<D>(deps: D, paths: string[], load: () => Promise<(deps: D) => Route[]>): RouteGroup {
  return { paths, load: async () => (await load())(deps) };
}

/**
 * The whole HTTP API v1 as a router; transport-agnostic (API Gateway or the local server).
 *
 * A cold start builds only this table: each group of routes is a dynamic import, so the Lambda bundle
 * keeps it in a chunk of its own, read and evaluated on the first request to one of its paths. To add a
 * route, add it to its module and its path to the module's line here (a request to a group whose paths
 * differ from what it serves fails, and test/lib/api/openapi.test.ts loads every group); a new module is
 * one more line.
 */
export function createApi(deps: ApiDeps): Router {
  const services = ['/v1/services', '/v1/services/{name}', '/v1/services/{name}/events', '/v1/services/{name}/revisions'];
  const deployments = [
    '/v1/services/{name}/deployments',
    '/v1/services/{name}/deployments/{id}',
    '/v1/services/{name}/deployments/{id}/promote',
    '/v1/services/{name}/deployments/{id}/abort',
    '/v1/services/{name}/rollback',
  ];
  const routes: (Route | RouteGroup)[] = [
    group(deps, services, async () => (await import('./routes/service-routes.js')).serviceRoutes),
    group(deps, deployments, async () => (await import('./routes/deployment-routes.js')).deploymentRoutes),
    group(deps, ['/v1/operations/{id}'], async () => (await import('./routes/operation-routes.js')).operationRoutes),
    group(deps, ['/v1/clusters', '/v1/clusters/{id}'], async () => (await import('./routes/cluster-routes.js')).clusterRoutes),
    group(deps, ['/v1/alarms'], async () => (await import('./routes/alarm-routes.js')).alarmRoutes),
    group(deps, ['/v1/optimizer/runs', '/v1/optimizer/runs/{id}'], async () => (await import('./routes/optimizer-routes.js')).optimizerRoutes),
    group(deps, ['/v1/releases', '/v1/releases/{id}', '/v1/releases/{id}/abort'], async () => (await import('./routes/release-routes.js')).releaseRoutes),
    group(deps, ['/v1/mesh'], async () => (await import('./routes/mesh-routes.js')).meshRoutes),
  ];
  const system: Route[] = [
    {
      method: 'GET',
      path: '/v1/healthz',
      tag: 'system',
      summary: 'Liveness of the API',
      responses: { 200: { description: 'OK' } },
      handle: async () => json(200, { status: 'ok', version: API_VERSION }),
    },
    {
      method: 'GET',
      path: '/v1/openapi.json',
      tag: 'system',
      summary: 'This API as OpenAPI 3.1',
      responses: { 200: { description: 'The OpenAPI document' } },
      handle: async () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: await openApiDocument() }),
    },
  ];
  return new Router([...routes, ...system]);
}

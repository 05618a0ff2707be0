import { readFile } from 'node:fs/promises';
import type { CoreDeps } from '../usecases/deps.js';
import { json } from './http.js';
import { Router, type Route } from './router.js';
import { optimizerRoutes } from './routes/optimizer-routes.js';
import { alarmRoutes } from './routes/alarm-routes.js';
import { clusterRoutes, type ClusterRouteDeps } from './routes/cluster-routes.js';
import { deploymentRoutes } from './routes/deployment-routes.js';
import { operationRoutes } from './routes/operation-routes.js';
import { serviceRoutes } from './routes/service-routes.js';

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

/** The whole HTTP API v1 as a router; transport-agnostic (API Gateway or the local server). */
export function createApi(deps: ApiDeps): Router {
  const routes: Route[] = [
    ...serviceRoutes(deps),
    ...deploymentRoutes(deps),
    ...operationRoutes(deps),
    ...clusterRoutes(deps),
    ...alarmRoutes(deps),
    ...optimizerRoutes(deps),
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

import type { CoreDeps } from '../usecases/deps.js';
import { json } from './http.js';
import { buildOpenApi } from './openapi.js';
import { Router, type Route } from './router.js';
import { optimizerRoutes } from './routes/optimizer-routes.js';
import { alarmRoutes } from './routes/alarm-routes.js';
import { clusterRoutes, type ClusterRouteDeps } from './routes/cluster-routes.js';
import { deploymentRoutes } from './routes/deployment-routes.js';
import { operationRoutes } from './routes/operation-routes.js';
import { serviceRoutes } from './routes/service-routes.js';

export const API_VERSION = '1.0.0';

/** The API reads and writes the store and enqueues work; it never calls a cluster. */
export type ApiDeps = CoreDeps & Pick<ClusterRouteDeps, 'adminAccess' | 'admitKubeconfig'>;

/** Extra route groups (clusters, rollouts, alarms, optimizer) plug in here as capabilities land. */
export type RouteGroup = (deps: ApiDeps) => Route[];

/** The whole HTTP API v1 as a router; transport-agnostic (API Gateway or the local server). */
export function createApi(deps: ApiDeps, extraGroups: RouteGroup[] = []): Router {
  const routes: Route[] = [
    ...serviceRoutes(deps),
    ...deploymentRoutes(deps),
    ...operationRoutes(deps),
    ...clusterRoutes(deps),
    ...alarmRoutes(deps),
    ...optimizerRoutes(deps),
    ...extraGroups.flatMap((g) => g(deps)),
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
      handle: async () => json(200, openapi),
    },
  ];
  const all = [...routes, ...system];
  const openapi = buildOpenApi(all, API_VERSION);
  return new Router(all);
}

import { RollbackRequestBody, requestRollback } from '../../usecases/shared/request-rollback.js';
import { steerDeployment } from '../../usecases/shared/steer-deployment.js';
import { DeployRequest, requestDeploy } from '../../usecases/deployments/request-deploy.js';
import type { CoreDeps } from '../../usecases/deps.js';
import { getDeployment, listDeployments } from '../../usecases/queries/read-models.js';
import { json, parseBody, parseQuery } from '../http.js';
import { objectId, pageOf, PageQuery, serviceName } from '../params.js';
import type { Route } from '../router.js';
import { Accepted, Deployment, ErrorBody, pageOf as pageSchema } from '../schemas.js';

export function deploymentRoutes(deps: CoreDeps): Route[] {
  const notFound = { description: 'No such service or deployment', schema: ErrorBody };
  return [
    {
      method: 'POST',
      path: '/v1/services/{name}/deployments',
      tag: 'deployments',
      summary: 'Deploy a new image through a progressive rollout',
      body: DeployRequest,
      responses: { 202: { description: 'Accepted', schema: Accepted }, 400: { description: 'Invalid request', schema: ErrorBody }, 404: notFound },
      handle: async ({ request, params }) => {
        const name = serviceName(params);
        const { operation, deploymentId } = await requestDeploy(deps, name, parseBody(request, DeployRequest), request.requestId);
        const links = { operation: `/v1/operations/${operation.id}`, deployment: `/v1/services/${name}/deployments/${deploymentId}` };
        return json(202, { operationId: operation.id, status: 'pending', deploymentId, links }, { location: links.deployment });
      },
    },
    {
      method: 'GET',
      path: '/v1/services/{name}/deployments',
      tag: 'deployments',
      summary: 'Deployments of a service, newest first',
      query: PageQuery,
      responses: { 200: { description: 'A page of deployments', schema: pageSchema(Deployment) }, 404: notFound },
      handle: async ({ request, params }) => json(200, await listDeployments(deps.store, serviceName(params), pageOf(parseQuery(request, PageQuery)))),
    },
    {
      method: 'GET',
      path: '/v1/services/{name}/deployments/{id}',
      tag: 'deployments',
      summary: 'One deployment with every step: weight, metrics seen, verdict, timestamps',
      responses: { 200: { description: 'The deployment', schema: Deployment }, 404: notFound },
      handle: async ({ params }) => json(200, await getDeployment(deps.store, serviceName(params), objectId(params, 'id', 'deployment'))),
    },
    ...(['promote', 'abort'] as const).map((action): Route => ({
      method: 'POST',
      path: `/v1/services/{name}/deployments/{id}/${action}`,
      tag: 'deployments',
      summary:
        action === 'promote'
          ? 'Release a manual gate: the rollout continues after its analysis passes'
          : 'Abort a rollout: traffic returns to stable and the canary is removed',
      responses: {
        202: { description: 'Recorded; the rollout acts on it at its next analysis', schema: Deployment },
        404: notFound,
        409: { description: 'The deployment has ended', schema: ErrorBody },
      },
      handle: async ({ params }) => json(202, await steerDeployment(deps, serviceName(params), objectId(params, 'id', 'deployment'), action)),
    })),
    {
      method: 'POST',
      path: '/v1/services/{name}/rollback',
      tag: 'deployments',
      summary: 'Go back to the previous (or a named) revision through a fast, still-analysed rollout',
      body: RollbackRequestBody,
      responses: { 202: { description: 'Accepted', schema: Accepted }, 400: { description: 'No such earlier revision', schema: ErrorBody }, 404: notFound },
      handle: async ({ request, params }) => {
        const name = serviceName(params);
        const { operation, deploymentId, toRevision } = await requestRollback(deps, name, parseBody(request, RollbackRequestBody), request.requestId);
        const links = { operation: `/v1/operations/${operation.id}`, deployment: `/v1/services/${name}/deployments/${deploymentId}` };
        return json(202, { operationId: operation.id, status: 'pending', deploymentId, toRevision, links }, { location: links.deployment });
      },
    },
  ];
}

import * as z from 'zod';
import { ReleaseRequest } from '../../model/release.js';
import type { CoreDeps } from '../../usecases/deps.js';
import { abortRelease } from '../../usecases/releases/abort-release.js';
import { getRelease, listReleases } from '../../usecases/releases/read-releases.js';
import { requestRelease } from '../../usecases/releases/request-release.js';
import { json, parseBody, parseQuery } from '../http.js';
import { objectId, pageOf, PageQuery } from '../params.js';
import type { Route } from '../router.js';
import { ErrorBody, pageOf as pageSchema } from '../schemas.js';

const ReleaseAccepted = z.object({
  releaseId: z.string(),
  operationId: z.string(),
  status: z.literal('pending'),
  levels: z.array(z.array(z.string())).describe('The plan by declared dependencies, callees first; the execution adds observed call edges'),
  duplicate: z.boolean().describe('The same request is already being released: this is that release, nothing new was started'),
  links: z.object({ operation: z.string(), release: z.string() }),
});

const ReleaseItemSchema = z.object({
  service: z.string(),
  image: z.string(),
  level: z.number().int(),
  status: z.enum(['pending', 'running', 'succeeded', 'failed', 'rolledBack', 'aborted']),
  deploymentId: z.string().optional(),
  rollbackDeploymentId: z.string().optional(),
  fromRevision: z.number().int().optional(),
  toRevision: z.number().int().optional(),
  reason: z.string().optional(),
  rollbackError: z.string().optional(),
});

export const Release = z.object({
  id: z.string(),
  status: z.enum(['pending', 'running', 'stopping', 'succeeded', 'failed', 'aborted']),
  onFailure: z.enum(['rollbackAll', 'stop']),
  levels: z.array(z.array(z.string())),
  items: z.array(ReleaseItemSchema),
  currentLevel: z.number().int(),
  intervalSeconds: z.number().int(),
  planned: z.record(z.string(), z.unknown()).optional(),
  requested: z.literal('abort').optional(),
  reason: z.string().optional(),
  operationId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  endedAt: z.string().optional(),
});

export function releaseRoutes(deps: CoreDeps): Route[] {
  const notFound = { description: 'No such release', schema: ErrorBody };
  return [
    {
      method: 'POST',
      path: '/v1/releases',
      tag: 'releases',
      summary: 'Release several services as a train, in dependency order (callees first); stop, and roll back with rollbackAll, on a failure',
      body: ReleaseRequest,
      responses: {
        202: { description: 'Accepted (or the same request already being released)', schema: ReleaseAccepted },
        400: { description: 'Invalid request, an unknown service, or a dependency cycle (named)', schema: ErrorBody },
      },
      handle: async ({ request }) => {
        const accepted = await requestRelease(deps, parseBody(request, ReleaseRequest), request.requestId);
        const links = { operation: `/v1/operations/${accepted.operationId}`, release: `/v1/releases/${accepted.releaseId}` };
        return json(
          202,
          {
            releaseId: accepted.releaseId,
            operationId: accepted.operationId,
            status: 'pending',
            levels: accepted.levels,
            duplicate: accepted.duplicate,
            links,
          },
          { location: links.release },
        );
      },
    },
    {
      method: 'GET',
      path: '/v1/releases',
      tag: 'releases',
      summary: 'Releases, newest first',
      query: PageQuery,
      responses: { 200: { description: 'A page of releases', schema: pageSchema(Release) } },
      handle: async ({ request }) => json(200, await listReleases(deps.store, pageOf(parseQuery(request, PageQuery)))),
    },
    {
      method: 'GET',
      path: '/v1/releases/{id}',
      tag: 'releases',
      summary: "A release: its plan (levels), each item's deployment and status, and why it stopped",
      responses: { 200: { description: 'The release', schema: Release }, 404: notFound },
      handle: async ({ params }) => json(200, await getRelease(deps.store, objectId(params, 'id', 'release'))),
    },
    {
      method: 'POST',
      path: '/v1/releases/{id}/abort',
      tag: 'releases',
      summary: 'Abort a release: the train stops at its next look; running items are aborted and, with rollbackAll, released ones rolled back',
      responses: {
        202: { description: 'Recorded; the release acts on it at its next look', schema: Release },
        404: notFound,
        409: { description: 'The release has ended', schema: ErrorBody },
      },
      handle: async ({ params }) => json(202, await abortRelease(deps, objectId(params, 'id', 'release'))),
    },
  ];
}

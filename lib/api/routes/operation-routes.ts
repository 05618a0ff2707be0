import type { CoreDeps } from '../../usecases/deps.js';
import { getOperation } from '../../usecases/queries/read-models.js';
import { json } from '../http.js';
import { objectId } from '../params.js';
import type { Route } from '../router.js';
import { ErrorBody, Operation } from '../schemas.js';

export function operationRoutes(deps: CoreDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/operations/{id}',
      tag: 'operations',
      summary: 'The state of an accepted request: pending, succeeded or failed with a reason',
      responses: { 200: { description: 'The operation', schema: Operation }, 404: { description: 'Unknown operation', schema: ErrorBody } },
      handle: async ({ params }) => json(200, await getOperation(deps.store, objectId(params, 'id', 'operation'))),
    },
  ];
}

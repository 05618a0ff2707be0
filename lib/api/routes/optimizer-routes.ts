import * as z from 'zod';
import { NotFoundError } from '../../errors.js';
import type { CoreDeps } from '../../usecases/deps.js';
import { OPTIMIZER_DOC, OptimizerRunRequest, type OptimizerRun } from '../../usecases/optimizer/optimizer-run.js';
import { requestOptimizerRun } from '../../usecases/optimizer/request-optimizer-run.js';
import { json, parseBody } from '../http.js';
import { objectId } from '../params.js';
import type { Route } from '../router.js';
import { ErrorBody } from '../schemas.js';

const Run = z.record(z.string(), z.unknown());

const RunAccepted = z.object({
  operationId: z.string(),
  runId: z.string().describe("The run has the operation's id; GET /v1/optimizer/runs/{runId} answers once the operation has ended"),
  status: z.literal('pending'),
  links: z.object({ operation: z.string(), run: z.string() }),
});

export function optimizerRoutes(deps: CoreDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/optimizer/runs',
      tag: 'optimizer',
      summary:
        'Start a placement optimizer run. It runs in the optimizer function, not in the request: follow the operation; ' +
        'when it has ended its result names the run, readable at GET /v1/optimizer/runs/{id}',
      body: OptimizerRunRequest,
      responses: {
        202: { description: 'Accepted; follow the operation', schema: RunAccepted },
        400: { description: 'Invalid request', schema: ErrorBody },
        404: { description: 'Unknown cluster', schema: ErrorBody },
      },
      handle: async ({ request }) => {
        const operation = await requestOptimizerRun(deps, parseBody(request, OptimizerRunRequest), request.requestId);
        const links = { operation: `/v1/operations/${operation.id}`, run: `/v1/optimizer/runs/${operation.id}` };
        return json(202, { operationId: operation.id, runId: operation.id, status: 'pending', links }, { location: links.operation });
      },
    },
    {
      method: 'GET',
      path: '/v1/optimizer/runs/{id}',
      tag: 'optimizer',
      summary: 'A finished optimizer run: cost before/after (latency and $/month), moves, solver, gap, time',
      responses: {
        200: { description: 'The run', schema: Run },
        404: { description: 'Unknown run, or not finished yet (see its operation)', schema: ErrorBody },
      },
      handle: async ({ params }) => {
        const doc = await deps.store.getDocument<OptimizerRun>(OPTIMIZER_DOC, objectId(params, 'id', 'optimizer run'));
        if (!doc) throw new NotFoundError(`optimizer run "${params.id}" does not exist or has not finished (runs are kept for 30 days; follow its operation)`);
        return json(200, doc.value);
      },
    },
  ];
}

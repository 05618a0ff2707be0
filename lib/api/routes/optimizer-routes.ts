import * as z from 'zod';
import { NotFoundError } from '../../errors.js';
import type { CoreDeps } from '../../usecases/deps.js';
import { OPTIMIZER_DOC, OptimizerRunRequest, type OptimizerRun } from '../../usecases/optimizer/optimizer-run.js';
import { listOptimizerRuns } from '../../usecases/optimizer/list-optimizer-runs.js';
import { requestOptimizerRun } from '../../usecases/optimizer/request-optimizer-run.js';
import { json, parseBody, parseQuery } from '../http.js';
import { objectId, pageOf, PageQuery } from '../params.js';
import type { Route } from '../router.js';
import { ErrorBody, pageOf as pageSchema } from '../schemas.js';

const Run = z.record(z.string(), z.unknown());

const Cost = z.object({
  total: z.number().describe('Objective: communication cost (rps × network distance) plus moves'),
  communication: z.number().describe('Communication cost alone'),
  latencyMsPerSecond: z.number().describe('Network latency summed over the calls of one second (rps × ms)'),
  meanLatencyMs: z.number(),
  dollarsPerMonth: z.number().describe('Cross-zone data transfer, $/month'),
  trafficShare: z.record(z.string(), z.number()).describe('Share of calls by distance level (sameNode, sameZone, crossZone, …)'),
});

const RunSummary = z.object({
  id: z.string(),
  status: z.enum(['planned', 'applied', 'nothingToDo', 'failed']),
  dryRun: z.boolean(),
  cluster: z.string().optional(),
  solver: z.string(),
  solveStatus: z.string().optional(),
  gap: z.number().optional(),
  solveTimeMs: z.number().optional(),
  costBefore: Cost.optional(),
  costAfterPlan: Cost.optional(),
  dollarsPerMonthSaved: z.number().optional().describe('costBefore − costAfterPlan, $/month'),
  moves: z.number().int().describe('Moves planned'),
  movedReplicas: z.number().int().optional().describe('Moves applied that landed where planned (absent on dry runs)'),
  frozen: z.number().int().describe('Services left alone'),
  reason: z.string().optional(),
  startedAt: z.string(),
  finishedAt: z.string(),
});

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
      path: '/v1/optimizer/runs',
      tag: 'optimizer',
      summary: 'Finished optimizer runs, newest first: cost before/after and how many moves (GET /v1/optimizer/runs/{id} has the moves)',
      query: PageQuery,
      responses: {
        200: { description: 'A page of runs', schema: pageSchema(RunSummary) },
        400: { description: 'Invalid limit or cursor', schema: ErrorBody },
      },
      handle: async ({ request }) => json(200, await listOptimizerRuns(deps.store, pageOf(parseQuery(request, PageQuery)))),
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

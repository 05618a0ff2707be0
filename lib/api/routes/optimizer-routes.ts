import { z } from 'zod';
import { NotFoundError } from '../../errors.js';
import { OPTIMIZER_DOC, OptimizerRunRequest, runOptimizer, type OptimizerRun } from '../../usecases/optimizer/run-optimizer.js';
import type { RolloutDeps } from '../../usecases/shared/rollout-deps.js';
import { json, parseBody } from '../http.js';
import { objectId } from '../params.js';
import type { Route } from '../router.js';
import { ErrorBody } from '../schemas.js';

const Run = z.record(z.string(), z.unknown());

export function optimizerRoutes(deps: RolloutDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/optimizer/runs',
      tag: 'optimizer',
      summary: 'Run the placement optimizer now (the heuristic finishes in well under the time limit even for 10,000 replicas)',
      body: OptimizerRunRequest,
      responses: { 201: { description: 'The run with its plan', schema: Run }, 400: { description: 'Invalid request', schema: ErrorBody }, 404: { description: 'Unknown cluster', schema: ErrorBody } },
      handle: async ({ request }) => {
        const body = parseBody(request, OptimizerRunRequest);
        if (body.cluster && !(await deps.store.getCluster(body.cluster))) throw new NotFoundError(`cluster "${body.cluster}" is not registered`);
        const run = await runOptimizer(deps, body);
        return json(201, run, { location: `/v1/optimizer/runs/${run.id}` });
      },
    },
    {
      method: 'GET',
      path: '/v1/optimizer/runs/{id}',
      tag: 'optimizer',
      summary: 'A stored optimizer run: cost before/after (latency and $/month), moves, solver, gap, time',
      responses: { 200: { description: 'The run', schema: Run }, 404: { description: 'Unknown run', schema: ErrorBody } },
      handle: async ({ params }) => {
        const doc = await deps.store.getDocument<OptimizerRun>(OPTIMIZER_DOC, objectId(params, 'id', 'optimizer run'));
        if (!doc) throw new NotFoundError(`optimizer run "${params.id}" does not exist (runs are kept for 30 days)`);
        return json(200, doc.value);
      },
    },
  ];
}

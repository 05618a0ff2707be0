import { OperationCompletedError } from '../../errors.js';
import type { EventEnvelope } from '../../model/events.js';
import type { RolloutDeps } from '../rollouts/rollout-deps.js';
import { OPTIMIZER_DOC, OptimizerRunRequest, type OptimizerRun } from './optimizer-run.js';
import { runOptimizer } from './run-optimizer.js';

export type OptimizerRequestOutcome = { outcome: 'ran'; runId: string; status: OptimizerRun['status'] } | { outcome: 'duplicate' };

/**
 * The queue side of `POST /v1/optimizer/runs`: runs the optimizer under the operation's id and ends the
 * operation with the run's outcome (`failed` with the run's reason when it failed). A redelivery of an
 * operation that has ended does nothing.
 */
export async function handleOptimizerRequested(deps: RolloutDeps, event: EventEnvelope): Promise<OptimizerRequestOutcome> {
  const operation = await deps.store.getOperation(event.id);
  if (operation && operation.status !== 'pending') return { outcome: 'duplicate' };
  const parsed = OptimizerRunRequest.safeParse(event.payload.request ?? {});
  // A run that finished before the function died (its operation not ended yet) is not run again.
  const finished = await deps.store.getDocument<OptimizerRun>(OPTIMIZER_DOC, event.id);
  const run = finished ? finished.value : parsed.success ? await runOptimizer(deps, parsed.data, event.id) : undefined;
  const runId = run?.id ?? event.id;
  const failed = !run || run.status === 'failed';
  const reason = !run && !parsed.success ? `the request is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` : run?.reason;
  if (operation) {
    await deps.store
      .completeOperation(
        {
          id: event.id,
          status: failed ? 'failed' : 'succeeded',
          ...(failed ? { reason: reason ?? 'the optimizer run failed' } : {}),
          result: { runId, ...(run ? { status: run.status, moves: run.moves.length, appliedServices: run.appliedServices } : {}), links: { run: `/v1/optimizer/runs/${runId}` } },
        },
        [],
      )
      .catch((err: unknown) => {
        if (!(err instanceof OperationCompletedError)) throw err;
      });
  }
  return { outcome: 'ran', runId, status: run?.status ?? 'failed' };
}

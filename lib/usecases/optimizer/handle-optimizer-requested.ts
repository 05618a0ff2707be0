import { OperationCompletedError, TransientError, VersionConflictError } from '../../errors.js';
import type { EventEnvelope } from '../../model/events.js';
import type { DocumentStore } from '../../ports/document-store.js';
import type { OperationStore } from '../../ports/operation-store.js';
import type { CoreDeps } from '../deps.js';
import type { RolloutDeps } from '../shared/rollout-deps.js';
import { OPTIMIZER_DOC, OptimizerRunRequest, type OptimizerRun } from './optimizer-run.js';
import { runOptimizer, type OptimizerStore } from './run-optimizer.js';

export type OptimizerRequestOutcome = { outcome: 'ran'; runId: string; status: OptimizerRun['status'] } | { outcome: 'duplicate' };

/** Document kind of the claim one delivery holds on a requested run while it runs it. */
export const OPTIMIZER_CLAIM_DOC = 'optimizer-run-claim';

/** How long a claim holds: the optimizer function's timeout (300 s) and a margin. A dead claimant's run is taken over after it. */
export const OPTIMIZER_CLAIM_MS = 330_000;

interface Claim {
  until: string;
}

export interface OptimizerRequestOptions {
  /** How often a second delivery looks whether the claimant has finished. */
  pollMs?: number;
}

/**
 * The queue side of `POST /v1/optimizer/runs`: runs the optimizer under the operation's id and ends the
 * operation with the run's outcome (`failed` with the run's reason when it failed).
 *
 * A run is applied at most once per request: the delivery that runs it first claims it (a conditional
 * write). A second delivery of the same message (redelivered while the first still runs, or after the
 * first died) waits for the claimant's result instead of planning and applying again, and takes the
 * run over only once the claim has lapsed. A run that finished is never run again.
 */
export async function handleOptimizerRequested(
  deps: RolloutDeps<OptimizerStore & OperationStore>,
  event: EventEnvelope,
  options: OptimizerRequestOptions = {},
): Promise<OptimizerRequestOutcome> {
  const operation = await deps.store.getOperation(event.id);
  if (operation && operation.status !== 'pending') return { outcome: 'duplicate' };
  const parsed = OptimizerRunRequest.safeParse(event.payload.request ?? {});
  let run = (await deps.store.getDocument<OptimizerRun>(OPTIMIZER_DOC, event.id))?.value;
  if (!run && parsed.success) {
    if (await claim(deps, event.id)) run = await runOptimizer(deps, parsed.data, event.id);
    else run = await awaitClaimant(deps, event.id, options.pollMs ?? 250);
  }
  const runId = run?.id ?? event.id;
  const failed = !run || run.status === 'failed';
  const reason =
    !run && !parsed.success ? `the request is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` : run?.reason;
  if (operation) {
    await deps.store
      .completeOperation(
        {
          id: event.id,
          status: failed ? 'failed' : 'succeeded',
          ...(failed ? { reason: reason ?? 'the optimizer run failed' } : {}),
          result: {
            runId,
            ...(run ? { status: run.status, moves: run.moves.length, appliedServices: run.appliedServices } : {}),
            links: { run: `/v1/optimizer/runs/${runId}` },
          },
        },
        [],
      )
      .catch((err: unknown) => {
        if (!(err instanceof OperationCompletedError)) throw err;
      });
  }
  return { outcome: 'ran', runId, status: run?.status ?? 'failed' };
}

/** Claims the run for this delivery: true when no live claim of another delivery holds it. */
async function claim(deps: Pick<CoreDeps<DocumentStore>, 'store' | 'clock'>, id: string): Promise<boolean> {
  const value: Claim = { until: new Date(deps.clock.now().getTime() + OPTIMIZER_CLAIM_MS).toISOString() };
  const ttlSeconds = Math.ceil((2 * OPTIMIZER_CLAIM_MS) / 1000);
  try {
    await deps.store.putDocument(OPTIMIZER_CLAIM_DOC, id, value, null, ttlSeconds);
    return true;
  } catch (err) {
    if (!(err instanceof VersionConflictError)) throw err;
  }
  const held = await deps.store.getDocument<Claim>(OPTIMIZER_CLAIM_DOC, id);
  if (held && Date.parse(held.value.until) > deps.clock.now().getTime()) return false;
  try {
    // The claimant died (its claim lapsed): take the run over, unless another delivery just did.
    await deps.store.putDocument(OPTIMIZER_CLAIM_DOC, id, value, held?.version ?? null, ttlSeconds);
    return true;
  } catch (err) {
    if (err instanceof VersionConflictError) return false;
    throw err;
  }
}

/** Waits for the claimant's run while its claim holds; a retryable error once it lapsed without a result. */
async function awaitClaimant(deps: Pick<CoreDeps<DocumentStore>, 'store' | 'clock'>, id: string, pollMs: number): Promise<OptimizerRun> {
  for (;;) {
    const done = await deps.store.getDocument<OptimizerRun>(OPTIMIZER_DOC, id);
    if (done) return done.value;
    const held = await deps.store.getDocument<Claim>(OPTIMIZER_CLAIM_DOC, id);
    if (!held || Date.parse(held.value.until) <= deps.clock.now().getTime())
      throw new TransientError(`optimizer run ${id}: its claimant stopped without a result; will retry`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

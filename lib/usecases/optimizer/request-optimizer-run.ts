import { NotFoundError } from '../../errors.js';
import type { OperationRecord } from '../../model/records.js';
import type { ClusterStore } from '../../ports/cluster-store.js';
import type { OperationStore } from '../../ports/operation-store.js';
import type { CoreDeps } from '../deps.js';
import { acceptOperation } from '../shared/accept-operation.js';
import type { OptimizerRunRequest } from './optimizer-run.js';

/** The message group and operation `service` of optimizer runs: one group, so queued runs never overlap. */
export const OPTIMIZER_OPERATION_SERVICE = 'optimizer';

/**
 * The front half of `POST /v1/optimizer/runs`: checks the cluster, records a pending `optimize`
 * operation and queues the run for the optimizer function. The run's id is the operation's; when the
 * operation ends its result names the run (`GET /v1/optimizer/runs/{id}`).
 */
export async function requestOptimizerRun(
  deps: CoreDeps<ClusterStore & OperationStore>,
  request: OptimizerRunRequest,
  correlationId?: string,
): Promise<OperationRecord> {
  if (request.cluster && !(await deps.store.getCluster(request.cluster))) throw new NotFoundError(`cluster "${request.cluster}" is not registered`);
  return acceptOperation(deps, {
    kind: 'optimize',
    type: 'optimizer.requested',
    service: OPTIMIZER_OPERATION_SERVICE,
    payload: { request },
    correlationId,
  });
}

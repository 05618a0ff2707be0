/**
 * The dashboard's API shapes (dashboard/src/api-types.ts) against what the API answers, checked by the
 * type checker (`npm run typecheck`, run by CI): each route's use case result must fit the shape the
 * dashboard reads from it. A field renamed, retyped or dropped on the server, or one the dashboard starts
 * to read that the server does not send, fails the typecheck here. Not a vitest file: there is nothing to
 * run, only types to compare.
 */
import type * as Dashboard from '../../dashboard/src/api-types.js';
import type { meshView } from '../../lib/usecases/queries/mesh-view.js';
import type { getDeployment, getOperation, getService, listDeployments, listEvents, listRevisions } from '../../lib/usecases/queries/read-models.js';
import type { steerDeployment } from '../../lib/usecases/shared/steer-deployment.js';
import type { listOptimizerRuns } from '../../lib/usecases/optimizer/list-optimizer-runs.js';
import type { OptimizerRun } from '../../lib/usecases/optimizer/optimizer-run.js';

/** `Served` (what the route answers) fits `Read` (what the dashboard reads from it). */
type Fits<Served extends Read, Read> = [Served, Read];
type Answer<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;

export type ApiContract = [
  // GET /v1/mesh
  Fits<Answer<typeof meshView>, Dashboard.MeshView>,
  // GET /v1/services/{name}
  Fits<Answer<typeof getService>, Dashboard.ServiceView>,
  // GET /v1/services/{name}/events
  Fits<Answer<typeof listEvents>, Dashboard.Page<Dashboard.AuditEvent>>,
  // GET /v1/services/{name}/revisions
  Fits<Answer<typeof listRevisions>, Dashboard.Page<{ revision: number; createdAt: string; spec: Record<string, unknown> }>>,
  // GET /v1/services/{name}/deployments and …/{id}
  Fits<Answer<typeof listDeployments>, Dashboard.Page<Dashboard.Deployment>>,
  Fits<Answer<typeof getDeployment>, Dashboard.Deployment>,
  // POST …/deployments/{id}/promote and …/abort
  Fits<Answer<typeof steerDeployment>, Dashboard.Deployment>,
  // GET /v1/operations/{id}
  Fits<Answer<typeof getOperation>, Dashboard.Operation>,
  // GET /v1/optimizer/runs/{id} (the stored run) and GET /v1/optimizer/runs
  Fits<OptimizerRun, Dashboard.OptimizerRun>,
  Fits<Answer<typeof listOptimizerRuns>, Dashboard.Page<Dashboard.OptimizerRunSummary>>,
];

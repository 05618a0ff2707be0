import * as z from 'zod';
import { ClusterRegistration } from '../../model/cluster.js';
import type { KubeconfigAdmission } from '../../ports/kubeconfig-files.js';
import type { ClusterClientFactory } from '../../ports/cluster-client.js';
import { clusterView, deregisterCluster, getCluster, registerCluster } from '../../usecases/clusters/cluster-registry.js';
import type { CoreDeps } from '../../usecases/deps.js';
import { type AdminAccess, gatewayAdminAccess } from '../admin-access.js';
import { json, parseBody } from '../http.js';
import { serviceName } from '../params.js';
import type { Route } from '../router.js';
import { ErrorBody } from '../schemas.js';

const Cluster = z.object({ id: z.string(), target: z.record(z.string(), z.unknown()), default: z.boolean(), createdAt: z.string() });

/** What the cluster routes need besides the core ports. */
export interface ClusterRouteDeps extends CoreDeps {
  /** Who may register and remove clusters; API Gateway's admin routes when absent (AWS). */
  adminAccess?: AdminAccess;
  /** The operator's kubeconfig policy; inline kubeconfigs with static credentials only when absent. */
  admitKubeconfig?: KubeconfigAdmission;
  /** Where the API may reach clusters (locally): a new cluster must answer before it is registered. Absent on AWS. */
  clusters?: ClusterClientFactory;
}

export function clusterRoutes(deps: ClusterRouteDeps): Route[] {
  const admin = deps.adminAccess ?? gatewayAdminAccess;
  return [
    {
      method: 'POST',
      path: '/v1/clusters',
      tag: 'clusters',
      summary: 'Register a target cluster (eks, kubeconfig or simulated); replaces one with the same id. Admin only.',
      body: ClusterRegistration,
      responses: {
        201: { description: 'Registered', schema: Cluster },
        200: { description: 'Replaced', schema: Cluster },
        400: {
          description: 'Invalid, incomplete (a simulated cluster without url), unreachable, or a kubeconfig the operator does not allow',
          schema: ErrorBody,
        },
        401: { description: 'No admin credentials', schema: ErrorBody },
        403: { description: 'Not an admin', schema: ErrorBody },
      },
      handle: async ({ request }) => {
        admin.authorize(request);
        const { cluster, created } = await registerCluster(deps, parseBody(request, ClusterRegistration));
        return json(created ? 201 : 200, clusterView(cluster), { location: `/v1/clusters/${cluster.id}` });
      },
    },
    {
      method: 'GET',
      path: '/v1/clusters',
      tag: 'clusters',
      summary: 'List registered clusters',
      responses: { 200: { description: 'Clusters', schema: z.object({ items: z.array(Cluster) }) } },
      handle: async () => json(200, { items: (await deps.store.listClusters()).sort((a, b) => a.id.localeCompare(b.id)).map(clusterView) }),
    },
    {
      method: 'GET',
      path: '/v1/clusters/{id}',
      tag: 'clusters',
      summary: 'Read a cluster registration',
      responses: { 200: { description: 'The cluster', schema: Cluster }, 404: { description: 'Unknown cluster', schema: ErrorBody } },
      handle: async ({ params }) => json(200, clusterView(await getCluster(deps.store, serviceName(params, 'id')))),
    },
    {
      method: 'DELETE',
      path: '/v1/clusters/{id}',
      tag: 'clusters',
      summary: 'Deregister a cluster that runs no services. Admin only.',
      responses: {
        204: { description: 'Removed' },
        401: { description: 'No admin credentials', schema: ErrorBody },
        403: { description: 'Not an admin', schema: ErrorBody },
        404: { description: 'Unknown cluster', schema: ErrorBody },
        409: { description: 'Services still run there', schema: ErrorBody },
      },
      handle: async ({ request, params }) => {
        admin.authorize(request);
        await deregisterCluster(deps.store, serviceName(params, 'id'));
        return { statusCode: 204, headers: {}, body: '' };
      },
    },
  ];
}

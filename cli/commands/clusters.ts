import type { ApiClient } from '../api-client.js';
import { readDocument } from '../read-document.js';
import { table } from '../table.js';

interface ClusterView {
  id: string;
  target: Record<string, unknown>;
  default: boolean;
  createdAt: string;
}

/**
 * `clusters register -f FILE [--default]`: registers (or replaces) a target cluster from a YAML/JSON
 * registration (`{id, target: {kind: eks|kubeconfig|simulated, …}, default}`). An admin action: the
 * deployed API authorizes it by IAM (or the admin JWT scope), the local runtime by its admin token.
 */
export async function registerCluster(api: ApiClient, file: string | undefined, flags: { json: boolean; makeDefault: boolean }): Promise<void> {
  if (!file) throw new Error('clusters register needs -f FILE: {id, target: {kind: eks|kubeconfig|simulated, …}, default?} in YAML or JSON');
  const body = readDocument(file, 'a cluster registration');
  if (flags.makeDefault) body.default = true;
  const cluster = await api.request<ClusterView>('POST', '/v1/clusters', body);
  console.log(
    flags.json ? JSON.stringify(cluster) : `cluster ${cluster.id} registered (${describeTarget(cluster.target)})${cluster.default ? ', the default' : ''}`,
  );
}

/** `clusters list`. */
export async function listClusters(api: ApiClient, flags: { json: boolean }): Promise<void> {
  const page = await api.request<{ items: ClusterView[] }>('GET', '/v1/clusters');
  if (flags.json) return console.log(JSON.stringify(page.items));
  console.log(
    table(
      ['ID', 'TARGET', 'DEFAULT', 'CREATED'],
      page.items.map((c) => [c.id, describeTarget(c.target), c.default ? 'yes' : '', c.createdAt]),
    ),
  );
}

/** `clusters get ID`. */
export async function getCluster(api: ApiClient, id: string | undefined, flags: { json: boolean }): Promise<void> {
  if (!id) throw new Error('clusters get needs a cluster ID (see: meshplane clusters list)');
  const cluster = await api.request<ClusterView>('GET', `/v1/clusters/${encodeURIComponent(id)}`);
  console.log(
    flags.json
      ? JSON.stringify(cluster)
      : `${cluster.id}: ${describeTarget(cluster.target)}${cluster.default ? ' (default)' : ''}, registered ${cluster.createdAt}`,
  );
}

/** `clusters delete ID`: only a cluster no service runs in (the API answers 409 otherwise). */
export async function deleteCluster(api: ApiClient, id: string | undefined, flags: { json: boolean }): Promise<void> {
  if (!id) throw new Error('clusters delete needs a cluster ID (see: meshplane clusters list)');
  await api.request('DELETE', `/v1/clusters/${encodeURIComponent(id)}`);
  console.log(flags.json ? JSON.stringify({ id, deleted: true }) : `cluster ${id} deregistered`);
}

/** `eks prod-1 in eu-west-1`, `kubeconfig (context ci)`, `simulated at http://…`: never credentials. */
export function describeTarget(target: Record<string, unknown>): string {
  const kind = String(target.kind ?? '?');
  if (kind === 'eks') return `eks ${String(target.name ?? '')}${target.region ? ` in ${String(target.region)}` : ''}`.trim();
  if (kind === 'simulated') return `simulated${target.url ? ` at ${String(target.url)}` : ''}`;
  if (kind === 'kubeconfig') return `kubeconfig ${target.path ? String(target.path) : 'inline'}${target.context ? ` (context ${String(target.context)})` : ''}`;
  return kind;
}

import { ApiError, type ApiClient } from '../api-client.js';
import { readDocument } from '../read-document.js';
import { table } from '../table.js';

interface Output {
  json: boolean;
  wait: boolean;
}

async function finish(api: ApiClient, accepted: { operationId: string }, what: string, out: Output): Promise<void> {
  if (!out.wait) {
    console.log(out.json ? JSON.stringify(accepted) : `${what}: accepted as operation ${accepted.operationId}`);
    return;
  }
  const op = await api.waitForOperation(accepted.operationId);
  if (out.json) console.log(JSON.stringify(op));
  else console.log(op.status === 'succeeded' ? `${what}: done` : `${what}: failed: ${op.reason}`);
  if (op.status !== 'succeeded') process.exitCode = 1;
}

/** `services apply -f FILE`: registers the service, or updates it when it exists. */
export async function applyService(api: ApiClient, file: string | undefined, out: Output): Promise<void> {
  if (!file) throw new Error('services apply needs -f FILE (YAML or JSON; - for stdin)');
  const spec = readDocument(file, 'a service spec');
  const name = String(spec.name ?? '');
  let exists = false;
  if (name && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    exists = await api.request('GET', `/v1/services/${name}`).then(
      () => true,
      (err) => {
        if (err instanceof ApiError && err.status === 404) return false;
        throw err;
      },
    );
  }
  const accepted = exists
    ? await api.request<{ operationId: string }>('PUT', `/v1/services/${name}`, spec)
    : await api.request<{ operationId: string }>('POST', '/v1/services', spec);
  await finish(api, accepted, `${exists ? 'updated' : 'registered'} ${name}`, out);
}

export async function listServices(api: ApiClient, out: Output): Promise<void> {
  const items: Record<string, any>[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.request<{ items: Record<string, any>[]; nextCursor?: string }>(
      'GET',
      `/v1/services?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  if (out.json) return console.log(JSON.stringify(items));
  console.log(
    table(
      ['NAME', 'NAMESPACE', 'CLUSTERS', 'IMAGE', 'REPLICAS', 'REVISION', 'PHASE', 'UPDATED'],
      items.map((s) => [s.name, s.spec.namespace, clustersOf(s.spec), s.spec.image, s.spec.replicas, s.revision, s.phase, s.updatedAt]),
    ),
  );
}

export async function getService(api: ApiClient, name: string | undefined, out: Output): Promise<void> {
  if (!name) throw new Error('services get needs a NAME');
  const s = await api.request<Record<string, any>>('GET', `/v1/services/${encodeURIComponent(name)}`);
  if (out.json) return console.log(JSON.stringify(s));
  const status = s.status && !s.status.error ? s.status : undefined;
  console.log(
    [
      `name:      ${s.name} (namespace ${s.spec.namespace})`,
      `image:     ${s.spec.image}`,
      `revision:  ${s.revision}   phase: ${s.phase}${s.reason ? ` (${s.reason})` : ''}`,
      `replicas:  ${status ? `${status.readyReplicas}/${s.spec.replicas} ready` : `${s.spec.replicas} desired`}${s.status?.error ? ` (status unavailable: ${s.status.error})` : ''}`,
      ...(status
        ? [
            `zones:     ${
              Object.entries(status.podsPerZone)
                .map(([z, n]) => `${z}=${n}`)
                .join(' ') || '-'
            }`,
          ]
        : []),
      ...(s.spec.clusters ? [`clusters:  ${s.spec.clusters.join(', ')}`] : []),
      ...(status?.clusters ? (status.clusters as Record<string, any>[]).map(describeCell) : []),
      ...(s.spec.expose ? [`exposed:   ${describeExposure(s.spec.expose, status?.exposure)}`] : []),
      `depends:   ${s.spec.dependencies.map((d: { service: string; rps: number }) => `${d.service} (${d.rps} rps)`).join(', ') || '-'}`,
      `updated:   ${s.updatedAt}`,
    ].join('\n'),
  );
}

/** Where a service runs: its clusters (`a,b`), its one cluster, or `(default)`. */
function clustersOf(spec: Record<string, any>): string {
  return spec.clusters?.join(',') ?? spec.cluster ?? '(default)';
}

/** One cluster of a multi-cluster service: `  local-2:  3/3 ready  local-2-zone-a=1 …`. */
function describeCell(cell: Record<string, any>): string {
  if (cell.error) return `  ${cell.cluster}: unavailable (${cell.error})`;
  const zones = Object.entries(cell.podsPerZone as Record<string, number>).map(([z, n]) => `${z}=${n}`);
  return `  ${cell.cluster}: ${cell.readyReplicas}/${cell.desiredReplicas} ready  ${zones.join(' ') || '-'}`;
}

/** e.g. `LoadBalancer on port 80 at k8s-…elb.amazonaws.com` or `Gateway on port 80 for shop.example.com/orders`. */
function describeExposure(expose: Record<string, any>, observed: Record<string, any> | undefined): string {
  if (expose.type === 'Gateway') {
    const hosts = (expose.hosts as string[]).flatMap((h) => (expose.paths ?? ['']).map((p: string) => `${h}${p}`));
    return `Gateway on port ${expose.port} for ${hosts.join(', ')}`;
  }
  const addresses: string[] = observed?.addresses ?? [];
  const scheme = expose.internal ? 'internal ' : '';
  return `${scheme}LoadBalancer on port ${expose.port} at ${addresses.length > 0 ? addresses.join(', ') : '<pending>'}`;
}

export async function deleteService(api: ApiClient, name: string | undefined, out: Output): Promise<void> {
  if (!name) throw new Error('services delete needs a NAME');
  const accepted = await api.request<{ operationId: string }>('DELETE', `/v1/services/${encodeURIComponent(name)}`);
  await finish(api, accepted, `deleted ${name}`, out);
}

export async function listEvents(api: ApiClient, name: string | undefined, out: Output): Promise<void> {
  if (!name) throw new Error('events needs a service NAME');
  const page = await api.request<{ items: Record<string, any>[] }>('GET', `/v1/services/${encodeURIComponent(name)}/events?limit=100`);
  if (out.json) return console.log(JSON.stringify(page.items));
  console.log(
    table(
      ['TIME', 'TYPE', 'MESSAGE'],
      page.items.map((e) => [e.at, e.type, e.message]),
    ),
  );
}

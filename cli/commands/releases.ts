import type { ApiClient } from '../api-client.js';
import { EXIT } from '../exit-codes.js';
import { readDocument } from '../read-document.js';
import { table } from '../table.js';

const ENDED = new Set(['succeeded', 'failed', 'aborted']);

interface ReleaseItem {
  service: string;
  image: string;
  level: number;
  status: string;
  deploymentId?: string;
  rollbackDeploymentId?: string;
  reason?: string;
  rollbackError?: string;
}

interface Release {
  id: string;
  status: string;
  onFailure: string;
  levels: string[][];
  items: ReleaseItem[];
  reason?: string;
  createdAt: string;
  endedAt?: string;
}

/** One line per item, level by level: `L0  db-gateway  succeeded  dep-…  (reason)`. */
export function describeRelease(r: Release): string {
  const head = `release ${r.id}: ${r.status} (onFailure ${r.onFailure})${r.reason ? ` — ${r.reason}` : ''}`;
  const rows = [...r.items]
    .sort((a, b) => a.level - b.level || r.items.indexOf(a) - r.items.indexOf(b))
    .map((i) => [`L${i.level}`, i.service, i.image, i.status, i.deploymentId, i.rollbackDeploymentId, i.rollbackError ?? i.reason]);
  return `${head}\n${table(['LEVEL', 'SERVICE', 'IMAGE', 'STATUS', 'DEPLOYMENT', 'ROLLBACK', 'REASON'], rows)}`;
}

/**
 * `release -f FILE [--watch]`: starts a release train (`items: [{service, image}], onFailure`); with
 * --watch, follows it level by level and exits 0 when every item was released, 2 when the release failed
 * or was aborted (1 on an error).
 */
export async function release(api: ApiClient, file: string | undefined, flags: { json: boolean; watch: boolean }): Promise<void> {
  if (!file) throw new Error('release needs -f FILE (YAML or JSON: items: [{service, image}], onFailure: rollbackAll|stop)');
  const accepted = await api.request<{ releaseId: string; operationId: string; levels: string[][]; duplicate: boolean }>(
    'POST',
    '/v1/releases',
    readDocument(file, 'a release'),
  );
  if (!flags.json) {
    const plan = accepted.levels.map((level, i) => `L${i}: ${level.join(', ')}`).join('  →  ');
    console.log(`release ${accepted.releaseId} ${accepted.duplicate ? 'is already running this request' : 'accepted'}; plan ${plan}`);
  } else if (!flags.watch) console.log(JSON.stringify(accepted));
  if (!flags.watch) return;
  let last = '';
  for (;;) {
    const op = await api.request<{ status: string; reason?: string }>('GET', `/v1/operations/${accepted.operationId}`);
    if (op.status === 'failed') throw new Error(`the release was not started: ${op.reason}`);
    const r = op.status === 'succeeded' ? await api.request<Release>('GET', `/v1/releases/${accepted.releaseId}`).catch(() => undefined) : undefined;
    if (r) {
      const line = `${r.status} ${r.items.map((i) => `${i.service}=${i.status}`).join(' ')}${r.reason ? ` (${r.reason})` : ''}`;
      if (line !== last) {
        console.log(flags.json ? JSON.stringify(r) : `${new Date().toISOString()}  ${line}`);
        last = line;
      }
      if (ENDED.has(r.status)) {
        if (!flags.json) console.log(describeRelease(r));
        process.exitCode = r.status === 'succeeded' ? EXIT.ok : EXIT.notPromoted;
        return;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** `releases [ID]`: the newest releases, or one release with every item. */
export async function releases(api: ApiClient, id: string | undefined, flags: { json: boolean }): Promise<void> {
  if (id) {
    const r = await api.request<Release>('GET', `/v1/releases/${encodeURIComponent(id)}`);
    console.log(flags.json ? JSON.stringify(r) : describeRelease(r));
    return;
  }
  const page = await api.request<{ items: Release[] }>('GET', '/v1/releases?limit=50');
  if (flags.json) return console.log(JSON.stringify(page.items));
  console.log(
    table(
      ['ID', 'STATUS', 'LEVELS', 'ITEMS', 'CREATED', 'REASON'],
      page.items.map((r) => [r.id, r.status, r.levels.map((l) => l.join(',')).join(' → '), r.items.length, r.createdAt, r.reason]),
    ),
  );
}

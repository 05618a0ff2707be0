/**
 * Registration latency on the local runtime: from `POST /v1/services` until every replica is Ready in
 * the simulated cluster (pods read straight from its Kubernetes API), over REGISTRATIONS services of
 * REPLICAS replicas registered one after the other, with the readiness delay set to zero so the figure
 * is the control plane's (API → queue → handler → DynamoDB → server-side apply → scheduling), not a
 * container's start time. Also reports the part until the registration operation succeeded (the
 * objects were applied). Time is not compressed (time factor 1). One JSON line.
 *
 *   npx tsx bench/registration.bench.ts        (npm run bench:registration)
 */
import { performance } from 'node:perf_hooks';
import { startMeshplaneLocal } from '../cli/local-runtime.js';
import { quantile } from '../lib/health/robust-stats.js';
import { LABELS } from '../lib/mesh/labels.js';

const REGISTRATIONS = 50;
const REPLICAS = 3;
const POLL_MS = 5;

interface PodList {
  items: { status?: { conditions?: { type: string; status: string }[] } }[];
}

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Resolves with the time `probe` first returned true, polling every POLL_MS. */
async function timeUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await probe()) return performance.now();
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

const round = (n: number) => Number(n.toFixed(1));

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= 'SILENT';
  const runtime = await startMeshplaneLocal({ port: 0, sim: { readyDelayMs: 0 } });
  const simUrl = runtime.sim!.url;
  const toReady: number[] = [];
  const toApplied: number[] = [];
  try {
    for (let i = 0; i < REGISTRATIONS; i++) {
      const name = `bench-service-${i}`;
      const started = performance.now();
      const accepted = await getJson<{ operationId: string }>(`${runtime.url}/v1/services`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, image: `registry.example.com/bench/${name}:1.0.0`, port: 8080, replicas: REPLICAS }),
      });
      const podsUrl = `${simUrl}/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(`${LABELS.service}=${name}`)}`;
      const [applied, ready] = await Promise.all([
        timeUntil(`operation of ${name}`, async () => {
          const op = await getJson<{ status: string; reason?: string }>(`${runtime.url}/v1/operations/${accepted.operationId}`);
          if (op.status === 'failed') throw new Error(`registration of ${name} failed: ${op.reason}`);
          return op.status === 'succeeded';
        }),
        timeUntil(`${REPLICAS} Ready pods of ${name}`, async () => {
          const pods = await getJson<PodList>(podsUrl);
          return pods.items.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === REPLICAS;
        }),
      ]);
      toApplied.push(applied - started);
      toReady.push(ready - started);
    }
  } finally {
    await runtime.stop();
  }
  console.log(
    JSON.stringify({
      bench: 'registration.toAllReplicasReady',
      registrations: REGISTRATIONS,
      replicasEach: REPLICAS,
      readyDelayMs: 0,
      pollMs: POLL_MS,
      p50Ms: round(quantile(toReady, 0.5)),
      p99Ms: round(quantile(toReady, 0.99)),
      maxMs: round(Math.max(...toReady)),
      operationSucceededP50Ms: round(quantile(toApplied, 0.5)),
      operationSucceededP99Ms: round(quantile(toApplied, 0.99)),
    }),
  );
}

await main();

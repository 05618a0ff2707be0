/**
 * Release train timing on the local runtime (API → deploy queue → release state machine → one rollout
 * per item → simulated cluster), for a 10-service train in four levels (2 db → 3 cache → 3 api → 2 web,
 * each calling every service of the level below). Every service rolls out with one 100 % step of one
 * analysis interval (30 s), so a level takes about one rollout.
 *
 * - allPromoted: from `POST /v1/releases` until the release has succeeded (every item promoted), in
 *   compressed seconds and in analysis intervals; and the hand-off between levels (a level promoted → the
 *   next level's first deployment recorded).
 * - lastLevelFailure: the same train again with a bad image (30 % errors) for one service of the last
 *   level, onFailure rollbackAll: from that deployment's rollback (the failure) until every item of the
 *   earlier levels is back on its previous revision (the last rollback deployment promoted), in compressed
 *   seconds and analysis intervals; and how many items were restored.
 *
 * Time is compressed by TIME_FACTOR (Waits of both state machines, the simulated clock); the control
 * plane's own work is not, so intervals measured on a loaded machine overstate factor 1. One JSON line per case.
 *
 *   npx tsx bench/release.bench.ts        (npm run bench:release)
 */
import { apiAt, poll, type Api } from './support/api-client.js';
import { startMeshplaneLocal } from '../cli/local-runtime.js';
import type { DeploymentRecord } from '../lib/model/records.js';
import type { ReleaseRecord } from '../lib/model/release.js';

const TIME_FACTOR = Number(process.env.BENCH_TIME_FACTOR ?? 0.02);
const INTERVAL_SECONDS = 30;
const INTERVAL_MS = INTERVAL_SECONDS * 1000 * TIME_FACTOR;
const LEVELS: { prefix: string; count: number }[] = [
  { prefix: 'db', count: 2 },
  { prefix: 'cache', count: 3 },
  { prefix: 'api', count: 3 },
  { prefix: 'web', count: 2 },
];

/** The bench's wait: every 50 ms, up to 900 s by default, a failing probe meaning "not yet". */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 900_000): Promise<T> =>
  poll(what, probe, { timeoutMs, intervalMs: 50, retryErrors: true });

const image = (name: string, version: string) => `registry.example.com/bench/${name}:${version}`;
const names = (level: number) => Array.from({ length: LEVELS[level].count }, (_, i) => `${LEVELS[level].prefix}-${i}`);
const intervals = (ms: number) => Number((ms / INTERVAL_MS).toFixed(2));

async function registerAll(api: Api): Promise<string[]> {
  const all: string[] = [];
  for (let level = 0; level < LEVELS.length; level++) {
    for (const name of names(level)) {
      const dependencies = level === 0 ? [] : names(level - 1).map((service) => ({ service, rps: 20 }));
      const body = {
        name,
        image: image(name, '1.0.0'),
        port: 8080,
        replicas: 2,
        dependencies,
        rollout: { steps: [{ weight: 100, pauseSeconds: INTERVAL_SECONDS }] },
      };
      const accepted = await api.call('POST', '/v1/services', body);
      await waitFor(`registration of ${name}`, async () =>
        (await api.call('GET', `/v1/operations/${accepted.operationId}`)).status === 'succeeded' ? true : undefined,
      );
      all.push(name);
    }
  }
  return all;
}

async function runRelease(api: Api, services: string[], version: string): Promise<{ release: ReleaseRecord; startedAt: number }> {
  const startedAt = Date.now();
  const items = services.map((service) => ({ service, image: image(service, version) }));
  const accepted = await api.call('POST', '/v1/releases', { items, onFailure: 'rollbackAll' });
  const release = await waitFor(`release ${accepted.releaseId}`, async () => {
    const r = await api.call<ReleaseRecord>('GET', `/v1/releases/${accepted.releaseId}`);
    return ['succeeded', 'failed', 'aborted'].includes(r.status) ? r : undefined;
  });
  return { release, startedAt };
}

async function deploymentOf(api: Api, service: string, id: string): Promise<DeploymentRecord> {
  return api.call<DeploymentRecord>('GET', `/v1/services/${service}/deployments/${id}`);
}

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= 'WARN';
  const runtime = await startMeshplaneLocal({ port: 0, timeFactor: TIME_FACTOR, sim: { readyDelayMs: 0 } });
  try {
    const api = apiAt(runtime.url);
    const services = await registerAll(api);

    const good = await runRelease(api, services, '2.0.0');
    const endedAt = Date.parse(good.release.endedAt ?? good.release.updatedAt);
    const deployments = new Map<string, DeploymentRecord>();
    for (const item of good.release.items) deployments.set(item.service, await deploymentOf(api, item.service, item.deploymentId!));
    const handoffs: number[] = [];
    for (let level = 1; level < good.release.levels.length; level++) {
      const promoted = Math.max(...good.release.levels[level - 1].map((s) => Date.parse(deployments.get(s)!.updatedAt)));
      const next = Math.min(...good.release.levels[level].map((s) => Date.parse(deployments.get(s)!.createdAt)));
      handoffs.push(next - promoted);
    }
    console.log(
      JSON.stringify({
        case: 'allPromoted',
        services: services.length,
        levels: good.release.levels.map((l) => l.length),
        status: good.release.status,
        seconds: Number(((endedAt - good.startedAt) / 1000).toFixed(2)),
        intervals: intervals(endedAt - good.startedAt),
        levelHandoffMs: handoffs,
        timeFactor: TIME_FACTOR,
        intervalSeconds: INTERVAL_SECONDS,
      }),
    );

    const badService = names(LEVELS.length - 1)[0];
    runtime.sim!.faults.traffic({ image: image(badService, '3.0.0'), errorRate: 0.3 });
    const bad = await runRelease(api, services, '3.0.0');
    const badItem = bad.release.items.find((i) => i.service === badService)!;
    const failedAt = Date.parse((await deploymentOf(api, badService, badItem.deploymentId!)).updatedAt);
    const earlier = bad.release.items.filter((i) => i.level < badItem.level);
    const restored: number[] = [];
    let back = 0;
    for (const item of earlier) {
      if (!item.rollbackDeploymentId) continue;
      const rollback = await deploymentOf(api, item.service, item.rollbackDeploymentId);
      if (rollback.status === 'promoted') restored.push(Date.parse(rollback.updatedAt));
      const service = await api.call<{ spec: { image: string } }>('GET', `/v1/services/${item.service}`);
      if (service.spec.image === image(item.service, '2.0.0')) back++;
    }
    const lastRestored = restored.length > 0 ? Math.max(...restored) : Number.NaN;
    console.log(
      JSON.stringify({
        case: 'lastLevelFailure',
        failedService: badService,
        status: bad.release.status,
        earlierItems: earlier.length,
        backOnPreviousRevision: back,
        siblingsInFailedLevel: bad.release.items.filter((i) => i.level === badItem.level && i.service !== badService).map((i) => `${i.service}:${i.status}`),
        failureToAllRestoredSeconds: Number(((lastRestored - failedAt) / 1000).toFixed(2)),
        failureToAllRestoredIntervals: intervals(lastRestored - failedAt),
        levelsRolledBack: new Set(earlier.map((i) => i.level)).size,
        timeFactor: TIME_FACTOR,
      }),
    );
  } finally {
    await runtime.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

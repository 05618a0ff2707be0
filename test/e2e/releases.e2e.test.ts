/**
 * Issue 17, release trains, end to end on the local runtime: `POST /v1/releases` → the deploy queue
 * records the release and starts its execution (the release state machine in aws-local-stepfunctions)
 * → each level's items are normal deployments (the rollout state machine, analysed on the simulated
 * cluster's traffic) → the next level starts once the previous one is promoted; on a failure the train
 * stops and (rollbackAll) rolls released items back. Time is compressed 50×.
 *
 * Assertions look at end states: the release record, the deployment records and revisions of each
 * service, and the Deployments in the cluster.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMeshplaneLocal } from '../../cli/local-runtime.js';
import type { LocalRuntime } from '../../lib/local/runtime.js';
import type { DeploymentRecord } from '../../lib/model/records.js';
import type { ReleaseRecord } from '../../lib/model/release.js';
import type { ServiceSpecInput } from '../../lib/model/service-spec.js';
import { waitFor } from '../support/wait-for.js';
import { MeshplaneApi } from './support/meshplane-api.js';
import { startE2eRuntime, type E2eRuntime } from './support/e2e-runtime.js';

const image = (service: string, version: string) => `registry.example.com/e2e/${service}:${version}`;
/** One short step: each rollout is judged by one 30 s analysis interval (the machine is shared; keep trains short). */
const QUICK_STEPS = [{ weight: 100, pauseSeconds: 30 }];

function spec(name: string, calls: string[] = [], steps: ServiceSpecInput['rollout'] = { steps: QUICK_STEPS }): ServiceSpecInput {
  return { name, image: image(name, '1.0.0'), port: 8080, replicas: 1, dependencies: calls.map((service) => ({ service, rps: 20 })), rollout: steps };
}

const ENDED = new Set(['succeeded', 'failed', 'aborted']);

async function waitForReleaseEnd(api: MeshplaneApi, id: string, timeoutMs = 800_000): Promise<ReleaseRecord> {
  await recorded(api, id);
  let last: ReleaseRecord | undefined;
  return waitFor(
    `release ${id} to end`,
    async () => {
      last = await api.expect<ReleaseRecord>(200, 'GET', `/v1/releases/${id}`);
      return ENDED.has(last.status) ? last : undefined;
    },
    { timeoutMs, intervalMs: 100 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last seen: ${JSON.stringify(last)}`);
  });
}

/** A release is recorded by the deploy queue's consumer: like a deployment, it is readable once its operation succeeded. */
async function recorded(api: MeshplaneApi, id: string): Promise<ReleaseRecord> {
  return waitFor(`release ${id} to be recorded`, async () => {
    const answer = await api.request<ReleaseRecord>('GET', `/v1/releases/${id}`);
    return answer.status === 200 ? answer.body : undefined;
  });
}

const byService = (release: ReleaseRecord) => Object.fromEntries(release.items.map((i) => [i.service, i]));

describe.concurrent('release trains (issue 17)', { timeout: 900_000 }, () => {
  let rt: E2eRuntime;
  beforeAll(async () => {
    rt = await startE2eRuntime();
  }, 60_000);
  afterAll(async () => {
    await rt?.stop();
  });

  /** frontend → api → db-gateway, registered and running. */
  async function registerChain(prefix: string): Promise<{ frontend: string; api: string; db: string }> {
    const names = { frontend: `${prefix}-frontend`, api: `${prefix}-api`, db: `${prefix}-db-gateway` };
    await rt.api.register(spec(names.db));
    await rt.api.register(spec(names.api, [names.db]));
    await rt.api.register(spec(names.frontend, [names.api]));
    for (const name of Object.values(names)) await rt.api.waitForReadyReplicas(name, 1);
    return names;
  }

  it('releases frontend → api → db-gateway callees first, each level after the previous one is promoted', async () => {
    const s = await registerChain('good');
    const items = [s.frontend, s.api, s.db].map((service) => ({ service, image: image(service, '2.0.0') }));
    const accepted = await rt.api.expect(202, 'POST', '/v1/releases', { items, onFailure: 'rollbackAll' });
    expect(accepted).toMatchObject({ status: 'pending', duplicate: false, levels: [[s.db], [s.api], [s.frontend]] });

    const release = await waitForReleaseEnd(rt.api, accepted.releaseId);
    expect(release).toMatchObject({ status: 'succeeded', levels: [[s.db], [s.api], [s.frontend]] });
    const deployments: Record<string, DeploymentRecord> = {};
    for (const item of release.items) {
      expect(item).toMatchObject({ status: 'succeeded', fromRevision: 1, toRevision: 2 });
      deployments[item.service] = await rt.api.deployment(item.service, item.deploymentId!);
      expect(deployments[item.service]).toMatchObject({ status: 'promoted', image: image(item.service, '2.0.0') });
      expect((await rt.api.service(item.service)).spec.image).toBe(image(item.service, '2.0.0'));
    }
    // A level's deployment was requested only after the level below it was promoted.
    expect(Date.parse(deployments[s.api].createdAt)).toBeGreaterThanOrEqual(Date.parse(deployments[s.db].updatedAt));
    expect(Date.parse(deployments[s.frontend].createdAt)).toBeGreaterThanOrEqual(Date.parse(deployments[s.api].updatedAt));
    expect(rt.runtime.releases.describe(accepted.releaseId).status).toBe('SUCCEEDED');
  });

  it('stops at a bad api image: db-gateway rolled back to its previous revision, frontend never touched', async () => {
    const s = await registerChain('bad');
    rt.sim.faults.traffic({ image: image(s.api, '2.0.0'), errorRate: 0.3 });
    const items = [s.frontend, s.api, s.db].map((service) => ({ service, image: image(service, '2.0.0') }));
    const accepted = await rt.api.expect(202, 'POST', '/v1/releases', { items, onFailure: 'rollbackAll' });

    const release = await waitForReleaseEnd(rt.api, accepted.releaseId);
    const items_ = byService(release);
    expect(release.status).toBe('failed');
    expect(release.reason).toContain(s.api);
    expect(items_[s.api]).toMatchObject({ status: 'failed' });
    expect(items_[s.db]).toMatchObject({ status: 'rolledBack', fromRevision: 1, toRevision: 2 });
    expect(items_[s.frontend]).toMatchObject({ status: 'aborted' });
    expect(items_[s.frontend].deploymentId).toBeUndefined();

    // db-gateway runs its previous image again, through an analysed rollback deployment.
    const rollback = await rt.api.deployment(s.db, items_[s.db].rollbackDeploymentId!);
    expect(rollback).toMatchObject({ status: 'promoted', image: image(s.db, '1.0.0'), baseRevision: 1 });
    expect((await rt.api.service(s.db)).spec.image).toBe(image(s.db, '1.0.0'));
    expect((await rt.cluster.deployment(s.db))?.spec?.template.spec?.containers[0].image).toBe(image(s.db, '1.0.0'));
    // api's own rollout rolled it back; frontend has no deployment at all and is still revision 1.
    expect((await rt.api.service(s.api)).spec.image).toBe(image(s.api, '1.0.0'));
    expect(await rt.api.deployments(s.frontend)).toEqual([]);
    expect(await rt.api.service(s.frontend)).toMatchObject({ revision: 1, spec: { image: image(s.frontend, '1.0.0') } });
  });

  it('answers 400 naming a dependency cycle, and names every unknown service', async () => {
    await rt.api.register(spec('cycle-a', ['cycle-b']));
    await rt.api.register(spec('cycle-b', ['cycle-c']));
    await rt.api.register(spec('cycle-c', ['cycle-a']));
    const items = ['cycle-a', 'cycle-c'].map((service) => ({ service, image: image(service, '2.0.0') }));
    const answer = await rt.api.request('POST', '/v1/releases', { items, onFailure: 'stop' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toContain('cycle-a → cycle-b → cycle-c → cycle-a');

    const unknown = await rt.api.request('POST', '/v1/releases', {
      items: [
        { service: 'nobody-1', image: 'x:1' },
        { service: 'nobody-2', image: 'x:1' },
        { service: 'nobody-2', image: 'x:2' },
      ],
      onFailure: 'sometimes',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.problems.map((p: { path: string }) => p.path).sort()).toEqual(['items.2.service', 'onFailure']);
    const missing = await rt.api.request('POST', '/v1/releases', { items: [{ service: 'nobody-1', image: 'x:1' }] });
    expect(missing.status).toBe(400);
    expect(missing.body.error.problems).toEqual([{ path: 'items.0.service', message: 'no service "nobody-1" is registered' }]);
  });

  it('starts one release for duplicated requests', async () => {
    await rt.api.register(spec('dup-one'));
    await rt.api.register(spec('dup-two'));
    const body = { items: ['dup-one', 'dup-two'].map((service) => ({ service, image: image(service, '2.0.0') })), onFailure: 'stop' };
    const reordered = { ...body, items: [...body.items].reverse() };
    const answers = await Promise.all([body, body, reordered, body].map((b) => rt.api.request('POST', '/v1/releases', b)));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202]);
    const ids = new Set(answers.map((a) => a.body.releaseId));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => !a.body.duplicate)).toHaveLength(1);
    const [releaseId] = ids;
    const release = await waitForReleaseEnd(rt.api, releaseId);
    expect(release.status).toBe('succeeded');
    // One deployment per service, and one release in the listing with these items.
    for (const service of ['dup-one', 'dup-two']) expect(await rt.api.deployments(service)).toHaveLength(1);
    const listed = await rt.api.expect<{ items: ReleaseRecord[] }>(200, 'GET', '/v1/releases?limit=100');
    expect(listed.items.filter((r) => r.items.some((i) => i.service === 'dup-one'))).toHaveLength(1);
    // Once it has ended, the same request is a new release.
    const again = await rt.api.expect(202, 'POST', '/v1/releases', body);
    expect(again.releaseId).not.toBe(releaseId);
    await recorded(rt.api, again.releaseId);
    await rt.api.expect(202, 'POST', `/v1/releases/${again.releaseId}/abort`);
    expect((await waitForReleaseEnd(rt.api, again.releaseId)).status).toBe('aborted');
  });
});

describe('a release across a restart of the local runtime (MESHPLANE_DATA_DIR)', { timeout: 900_000 }, () => {
  let dataDir: string;
  let runtime: LocalRuntime | undefined;
  const start = async () => {
    runtime = await startMeshplaneLocal({ port: 0, dataDir, timeFactor: 0.02, sim: { readyDelayMs: 0 } });
    return { runtime, api: new MeshplaneApi(runtime.url, runtime) };
  };
  beforeAll(() => {
    process.env.LOG_LEVEL ??= 'WARN';
    dataDir = mkdtempSync(join(tmpdir(), 'meshplane-release-restart-'));
  });
  afterAll(async () => {
    await runtime?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('resumes the train where the record says and finishes it', async () => {
    const first = await start();
    await first.api.register(spec('rs-db'));
    // The caller's rollout waits at a manual gate, so the train is mid-way when the process stops.
    await first.api.register(spec('rs-api', ['rs-db'], { steps: [{ weight: 50, pauseSeconds: 30, gate: 'manual' }, { weight: 100 }] }));
    for (const name of ['rs-db', 'rs-api']) await first.api.waitForReadyReplicas(name, 1);
    const items = ['rs-api', 'rs-db'].map((service) => ({ service, image: image(service, '2.0.0') }));
    const { releaseId } = await first.api.expect(202, 'POST', '/v1/releases', { items, onFailure: 'rollbackAll' });
    await recorded(first.api, releaseId);
    const midway = await waitFor(
      'the second level at its gate',
      async () => {
        const release = await first.api.expect<ReleaseRecord>(200, 'GET', `/v1/releases/${releaseId}`);
        const api = byService(release)['rs-api'];
        if (!api.deploymentId) return undefined;
        const d = await first.api.request<DeploymentRecord>('GET', `/v1/services/rs-api/deployments/${api.deploymentId}`);
        return d.status === 200 && d.body.status === 'paused' ? release : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    expect(byService(midway)['rs-db'].status).toBe('succeeded');
    await first.runtime.stop();
    runtime = undefined;

    const second = await start();
    // The new process runs an execution for the release again, named after it.
    expect(second.runtime.releases.describe(releaseId).status).toBe('RUNNING');
    const apiItem = byService(await second.api.expect<ReleaseRecord>(200, 'GET', `/v1/releases/${releaseId}`))['rs-api'];
    await second.api.waitForDeployment('rs-api', apiItem.deploymentId!, 'paused at the gate again', (d) => d.status === 'paused');
    await second.api.expect(202, 'POST', `/v1/services/rs-api/deployments/${apiItem.deploymentId}/promote`);
    const release = await waitForReleaseEnd(second.api, releaseId);
    expect(release.status).toBe('succeeded');
    expect(release.items.map((i) => i.status)).toEqual(['succeeded', 'succeeded']);
    // Nothing was requested twice: one deployment per service.
    expect(await second.api.deployments('rs-db')).toHaveLength(1);
    expect(await second.api.deployments('rs-api')).toHaveLength(1);
  });
});

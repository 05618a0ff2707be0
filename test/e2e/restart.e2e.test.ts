/**
 * A restart of `meshplane local` with a data directory: services and deployments survive in the
 * DynamoDB files, and a rollout that was waiting at a manual gate is picked up again (executions live
 * in the process, so the new process resumes them from the stored deployment), then finishes when it
 * is promoted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMeshplaneLocal } from '../../cli/local-runtime.js';
import type { LocalRuntime } from '../../lib/local/runtime.js';
import type { ServiceSpecInput } from '../../lib/model/service-spec.js';
import { MeshplaneApi } from './support/meshplane-api.js';

const NAME = 'restart-service';
const STABLE_IMAGE = `registry.example.com/e2e/${NAME}:1.0.0`;
const NEW_IMAGE = `registry.example.com/e2e/${NAME}:2.0.0`;

const spec: ServiceSpecInput = {
  name: NAME,
  image: STABLE_IMAGE,
  port: 8080,
  replicas: 2,
  rollout: {
    steps: [
      { weight: 50, pauseSeconds: 30, gate: 'manual' },
      { weight: 100, pauseSeconds: 30 },
    ],
  },
};

let dataDir: string;
let runtime: LocalRuntime | undefined;

/** One lifetime of the control plane on the shared data directory. */
async function start(): Promise<{ runtime: LocalRuntime; api: MeshplaneApi }> {
  runtime = await startMeshplaneLocal({ port: 0, dataDir, timeFactor: 0.02, sim: { readyDelayMs: 0 } });
  return { runtime, api: new MeshplaneApi(runtime.url, runtime) };
}

beforeAll(() => {
  process.env.LOG_LEVEL ??= 'WARN';
  dataDir = mkdtempSync(join(tmpdir(), 'meshplane-restart-'));
});

afterAll(async () => {
  await runtime?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('restarting the local runtime on the same data directory', { timeout: 60_000 }, () => {
  it('keeps services and deployments, resumes a rollout paused at a manual gate, and promotes it', async () => {
    const first = await start();
    await first.api.register(spec);
    await first.api.waitForReadyReplicas(NAME, 2);
    const { deploymentId } = await first.api.deploy(NAME, { image: NEW_IMAGE });
    const pausedBefore = await first.api.waitForDeployment(NAME, deploymentId, 'paused at the gate', (d) => d.status === 'paused');
    expect(pausedBefore.currentWeight).toBe(50);
    await first.runtime.stop();
    runtime = undefined;

    const restartedAt = Date.now();
    const second = await start();

    // The state came back from disk.
    expect(await second.api.service(NAME)).toMatchObject({ name: NAME, revision: 1, phase: 'active', spec: { image: STABLE_IMAGE, replicas: 2 } });
    expect(await second.api.deployment(NAME, deploymentId)).toMatchObject({ id: deploymentId, image: NEW_IMAGE, fromRevision: 1 });
    // The new process runs an execution for it: resumed on start, named after the deployment.
    expect(second.runtime.rollouts.describe(deploymentId)).toMatchObject({ name: deploymentId, status: 'RUNNING' });

    // The resumed execution reaches the gate again and analyses there (a fresh analysis, not the
    // status left on disk by the first process).
    const pausedAgain = await second.api.waitForDeployment(NAME, deploymentId, 'paused at the gate after the restart', (d) => {
      const at = (d.steps[0]?.metrics as { at?: string } | undefined)?.at;
      return d.status === 'paused' && at !== undefined && Date.parse(at) >= restartedAt;
    });
    expect(pausedAgain.currentWeight).toBe(50);

    const steered = await second.api.request('POST', `/v1/services/${NAME}/deployments/${deploymentId}/promote`);
    expect(steered.status).toBe(202);
    const done = await second.api.waitForDeploymentEnd(NAME, deploymentId);
    expect(done).toMatchObject({ status: 'promoted', fromRevision: 1, toRevision: 2, currentWeight: 100 });
    expect(done.steps.map((s) => [s.weight, s.verdict])).toEqual([
      [50, 'pass'],
      [100, 'pass'],
    ]);
    expect(await second.api.service(NAME)).toMatchObject({ revision: 2, spec: { image: NEW_IMAGE } });
    expect((await second.runtime.rollouts.waitFor(deploymentId)).status).toBe('SUCCEEDED');
  });
});

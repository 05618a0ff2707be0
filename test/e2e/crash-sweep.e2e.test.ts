/**
 * The crash-point sweep (issue 12, first test bullet). For each named step boundary of register,
 * update, deregister, deploy, rollback and the rollout's own rollback, `meshplane local` runs as a
 * real child process with MESHPLANE_CRASH_AT=<point> (it kills itself there like kill -9), the
 * operation is driven through the HTTP API until the process dies, and the runtime is restarted on
 * the same data directory without the crash point. Then:
 * - every operation in the store has ended (succeeded, or failed with a reason) within BOUND_MS;
 * - every operation that was answered 202 is in the store (0 lost);
 * - every deployment of the service has ended;
 * - the cluster equals the store: a Deployment with the stored image for every registered service,
 *   none for a deregistered one, no canary without a rollout.
 * Crash points: lib/platform/crash-points.ts and the `crashPoint(…)` lines in lib/usecases.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServiceSpecInput } from '../../lib/model/service-spec.js';
import { minimalInput } from '../support/service-specs.js';
import { waitFor } from '../support/wait-for.js';
import type { MeshplaneApi } from './support/meshplane-api.js';
import { FINAL_DEPLOYMENT_STATUSES } from './support/meshplane-api.js';
import { clusterVersusStore, startRuntimeProcess, storedOperations, type RuntimeProcess } from './support/runtime-process.js';

/** Time for accepted work to end after the restart (a message in flight at the crash reappears after the 10 s visibility timeout). */
const BOUND_MS = 90_000;
/** Cases run three at a time: each is two runtime processes, one after the other. */
const PARALLEL = 3;

type Scenario = 'register' | 'update' | 'deregister' | 'deploy' | 'rollback' | 'rolloutRollback';

interface Case {
  point: string;
  scenario: Scenario;
  /** Set when the case fails today because of another area: the cause, for the lead to flip it to `it` once merged. */
  failsBecause?: string;
}

const CASES: Case[] = [
  { point: 'register.after-operation-written', scenario: 'register', failsBecause: 'no message was enqueued: the operation stays pending until the deadline sweep (queue helper) ends it' },
  { point: 'register.after-enqueue', scenario: 'register' },
  { point: 'register.after-cluster-apply', scenario: 'register' },
  { point: 'register.after-commit', scenario: 'register' },
  { point: 'update.after-cluster-apply', scenario: 'update' },
  { point: 'update.after-commit', scenario: 'update' },
  { point: 'deregister.after-cluster-apply', scenario: 'deregister' },
  { point: 'deregister.after-commit', scenario: 'deregister' },
  { point: 'deploy.after-deployment-recorded', scenario: 'deploy' },
  { point: 'rollout.after-execution-start', scenario: 'deploy' },
  { point: 'rollout.after-commit.CanaryCreated', scenario: 'deploy' },
  { point: 'rollout.after-commit.RevisionPromoted', scenario: 'deploy' },
  { point: 'rollback.after-enqueue', scenario: 'rollback' },
  { point: 'rollback.after-deployment-recorded', scenario: 'rollback' },
  {
    point: 'rollout.after-commit.RolloutRolledBack',
    scenario: 'rolloutRollback',
    failsBecause:
      'the rollback is committed before the cluster apply and the deployment stays running; the resumed execution promotes the rejected image (reconcile helper: record the rollback after the apply, never promote a rejected image)',
  },
];

const NAME = 'crash-svc';
const V1 = `registry.example.com/sweep/${NAME}:1.0.0`;
const V2 = `registry.example.com/sweep/${NAME}:2.0.0`;
const spec: ServiceSpecInput = minimalInput(NAME, { image: V1, replicas: 2 });
/** One quick step: the rollout is judged once, briefly, then promoted. */
const QUICK = { strategy: 'canary', steps: [{ weight: 50, pauseSeconds: 10 }] };

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

let free = PARALLEL;
const waiting: (() => void)[] = [];
async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (free === 0) await new Promise<void>((resolve) => waiting.push(resolve));
  else free--;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else free++;
  }
}

/** A 202 answer's operation id, or undefined when the process died before answering. */
async function accept(api: MeshplaneApi, method: string, path: string, body?: unknown): Promise<string | undefined> {
  try {
    const answer = await api.request<{ operationId?: string }>(method, path, body);
    expect(answer.status).toBe(202);
    return answer.body?.operationId;
  } catch (err) {
    if (err instanceof TypeError) return undefined; // fetch failed: the connection died with the process
    throw err;
  }
}

/** Drives the scenario's operation; returns the ids answered 202. Setup steps that must succeed first are awaited. */
async function drive(rt: RuntimeProcess, scenario: Scenario): Promise<string[]> {
  const { api } = rt;
  const ids: (string | undefined)[] = [];
  if (scenario === 'register') {
    ids.push(await accept(api, 'POST', '/v1/services', spec));
    return ids.filter((id): id is string => Boolean(id));
  }
  ids.push((await api.register(spec)).id);
  switch (scenario) {
    case 'update':
      ids.push(await accept(api, 'PUT', `/v1/services/${NAME}`, { ...spec, image: V2 }));
      break;
    case 'deregister':
      ids.push(await accept(api, 'DELETE', `/v1/services/${NAME}`));
      break;
    case 'deploy':
      ids.push(await accept(api, 'POST', `/v1/services/${NAME}/deployments`, { image: V2, rollout: QUICK }));
      break;
    case 'rollback':
      ids.push((await api.update(NAME, { ...spec, image: V2 })).id);
      ids.push(await accept(api, 'POST', `/v1/services/${NAME}/rollback`, {}));
      break;
    case 'rolloutRollback': {
      const fault = await fetch(`${rt.simUrl}/sim/faults/crashloop`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image: V2 }) });
      expect(fault.status).toBe(200);
      ids.push(await accept(api, 'POST', `/v1/services/${NAME}/deployments`, { image: V2, rollout: QUICK }));
      break;
    }
  }
  return ids.filter((id): id is string => Boolean(id));
}

async function sweepCase(c: Case): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'meshplane-crash-'));
  dirs.push(dataDir);
  const first = await startRuntimeProcess({ dataDir, crashAt: c.point });
  let accepted: string[] = [];
  try {
    accepted = await drive(first, c.scenario).catch((err: unknown) => {
      // A setup step may be cut short by the crash itself (e.g. waiting for an update when the point is in the rollback).
      if (first.child.exitCode === null && first.child.signalCode === null) throw err;
      return [];
    });
    const died = await Promise.race([first.exit, new Promise<undefined>((r) => setTimeout(() => r(undefined), BOUND_MS))]);
    expect(died, `the process never reached ${c.point}; stderr: ${first.stderr().slice(-1500)}`).toMatchObject({ signal: 'SIGKILL' });
    expect(first.stderr()).toContain(`crash point ${c.point}`);
  } finally {
    await first.kill('SIGKILL');
  }

  const second = await startRuntimeProcess({ dataDir });
  try {
    const ops = await waitFor(`every operation to end after ${c.point}`, async () => {
      const all = await storedOperations(second);
      return all.some((o) => o.status === 'pending') ? undefined : all;
    }, { timeoutMs: BOUND_MS, intervalMs: 250 });
    expect(accepted.filter((id) => !ops.some((o) => o.id === id)), 'accepted operations missing from the store').toEqual([]);
    for (const op of ops.filter((o) => o.status === 'failed')) expect(op.reason, `operation ${op.id} failed without a reason`).toBeTruthy();

    const services = await second.api.request('GET', `/v1/services/${NAME}`);
    if (services.status === 200) {
      const ended = await waitFor(`every deployment of ${NAME} to end`, async () => {
        const deployments = await second.api.deployments(NAME);
        return deployments.every((d) => FINAL_DEPLOYMENT_STATUSES.has(d.status)) ? deployments : undefined;
      }, { timeoutMs: BOUND_MS, intervalMs: 250 });
      if (c.scenario === 'rolloutRollback') {
        // The image was rejected before the crash: it must not become stable after the restart.
        expect(ended.map((d) => d.status)).not.toContain('promoted');
        expect((await second.api.service(NAME)).spec.image).toBe(V1);
      }
    }
    let problems: string[] = [];
    await waitFor(`the cluster to equal the store after ${c.point}`, async () => ((problems = await clusterVersusStore(second)).length === 0 ? true : undefined), {
      timeoutMs: BOUND_MS,
      intervalMs: 250,
    }).catch((err: Error) => {
      throw new Error(`${err.message}: ${problems.join('; ')}`);
    });
  } finally {
    await second.kill('SIGKILL');
  }
}

describe('crash-point sweep: kill the runtime at each step boundary, restart, nothing lost or stuck', { timeout: 600_000 }, () => {
  for (const c of CASES) {
    const title = `${c.point} (${c.scenario})`;
    if (c.failsBecause) it.concurrent.fails(`${title} — fails until: ${c.failsBecause}`, () => slot(() => sweepCase(c)));
    else it.concurrent(title, () => slot(() => sweepCase(c)));
  }
});

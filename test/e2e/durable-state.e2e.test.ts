/**
 * Durable local state (issue 12, finding 6), with `meshplane local` as a real child process on a data
 * directory: kill -9 loses nothing the simulated cluster acknowledged; SIGTERM under load stops
 * cleanly and saves; killing the `npm start` process leaves no runtime behind, and a Ctrl-C or a
 * SIGINT sent to npm alone ends in one clean stop.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../../lib/local/data-dir-lock.js';
import { minimalInput } from '../support/service-specs.js';
import { waitForLine } from '../support/processes.js';
import { waitFor } from '../support/wait-for.js';
import { clusterDeployments, clusterVersusStore, startRuntimeProcess, storedOperations, type RuntimeProcess } from './support/runtime-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/**
 * How long accepted work may take to end after a restart: redelivery after the 10 s visibility timeout,
 * then the work itself, which drains at well under 1 registration/s on a loaded 2-core machine.
 */
const SETTLE_MS = 150_000;

const dirs: string[] = [];
const running: RuntimeProcess[] = [];
afterEach(async () => {
  for (const rt of running.splice(0)) await rt.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshplane-durable-'));
  dirs.push(dir);
  return dir;
}

async function start(dir: string): Promise<RuntimeProcess> {
  const rt = await startRuntimeProcess({ dataDir: dir });
  running.push(rt);
  return rt;
}

/** Waits until no stored operation is pending; returns them all. */
async function allEnded(rt: RuntimeProcess) {
  return waitFor(
    'every stored operation to end',
    async () => {
      const ops = await storedOperations(rt);
      return ops.some((o) => o.status === 'pending') ? undefined : ops;
    },
    { timeoutMs: SETTLE_MS, intervalMs: 250 },
  );
}

async function clusterAgrees(rt: RuntimeProcess): Promise<void> {
  let last: string[] = [];
  await waitFor('the cluster to equal the store', async () => ((last = await clusterVersusStore(rt)).length === 0 ? true : undefined), {
    timeoutMs: SETTLE_MS,
    intervalMs: 250,
  }).catch((err: Error) => {
    throw new Error(`${err.message}: ${last.join('; ')}`);
  });
}

describe('durable local state', { timeout: 300_000 }, () => {
  it('kill -9 with five services running: after the restart the cluster holds all five Deployments and their pods come back', async () => {
    const dir = dataDir();
    const first = await start(dir);
    const names = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
    await Promise.all(names.map((n) => first.api.register(minimalInput(n, { replicas: 2 }))));
    await Promise.all(names.map((n) => first.api.waitForReadyReplicas(n, 2)));
    expect((await first.kill('SIGKILL')).signal).toBe('SIGKILL');

    const second = await start(dir);
    const deployments = await waitFor(
      'five Deployments with Ready pods',
      async () => {
        const all = (await clusterDeployments(second.simUrl)).filter((d) => names.includes(d.name));
        return all.length === 5 && all.every((d) => d.readyReplicas === 2) ? all : undefined;
      },
      { timeoutMs: SETTLE_MS, intervalMs: 250 },
    );
    expect(deployments.map((d) => [d.name, d.image]).sort()).toEqual(names.map((n) => [n, minimalInput(n).image]));
    expect(await clusterVersusStore(second)).toEqual([]);
  });

  it('50 registrations accepted, then kill -9: after the restart all 50 end and the cluster equals the store', async () => {
    const dir = dataDir();
    const first = await start(dir);
    const accepted = await Promise.all(
      Array.from({ length: 50 }, (_, i) => first.api.expect<{ operationId: string }>(202, 'POST', '/v1/services', minimalInput(`burst-${i}`))),
    );
    await first.kill('SIGKILL');

    const second = await start(dir);
    const ops = await allEnded(second);
    const byId = new Map(ops.map((o) => [o.id, o]));
    const lost = accepted.filter((a) => !byId.has(a.operationId));
    expect(lost).toEqual([]);
    for (const a of accepted) {
      const op = byId.get(a.operationId)!;
      if (op.status === 'failed') expect(op.reason).toBeTruthy();
    }
    await clusterAgrees(second);
    const live = (await clusterDeployments(second.simUrl)).filter((d) => d.name.startsWith('burst-'));
    const succeeded = accepted.filter((a) => byId.get(a.operationId)!.status === 'succeeded').length;
    expect(live.length).toBe(succeeded);
  });

  it('SIGTERM under load stops cleanly, saves, and the restart finishes the accepted work', async () => {
    const dir = dataDir();
    const first = await start(dir);
    const accepted = await Promise.all(
      Array.from({ length: 20 }, (_, i) => first.api.expect<{ operationId: string }>(202, 'POST', '/v1/services', minimalInput(`term-${i}`))),
    );
    const { code, signal } = await first.kill('SIGTERM');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(first.stderr()).toMatch(/SIGTERM: shutting down[\s\S]*stopped/);
    // A clean stop folds the cluster's journal into its snapshot.
    expect(statSync(join(dir, 'cluster.json.journal')).size).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8'))).toMatchObject({ format: 'meshplane-sim/v1' });

    const second = await start(dir);
    const ops = await allEnded(second);
    expect(accepted.filter((a) => !ops.some((o) => o.id === a.operationId))).toEqual([]);
    await clusterAgrees(second);
  });

  it('killing the `npm start` process (kill -9) leaves no runtime process behind', async () => {
    const dir = dataDir();
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', MESHPLANE_DATA_DIR: dir, LOG_LEVEL: 'WARN' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await waitForLine(npm, /meshplane listening on http:\S+/, 60_000);
      const tree = descendants(npm.pid!);
      expect(tree.length).toBeGreaterThan(0);
      npm.kill('SIGKILL');
      await waitFor('every process npm started to exit', () => (tree.some(alive) ? undefined : true), { timeoutMs: 30_000, intervalMs: 200 });
    } finally {
      if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
    }
  });
  it('Ctrl-C on `npm start`: the terminal signals npm and the runtime, npm passes its copy on, and one clean stop follows', async () => {
    await stopsCleanly((npm, runtime) => {
      // A terminal's Ctrl-C reaches every process of the group: the runtime gets it twice (npm forwards its own).
      process.kill(runtime, 'SIGINT');
      npm.kill('SIGINT');
    });
  });

  it('Ctrl-C reaches the runtime and npm is killed meanwhile: the runtime still finishes its clean stop', async () => {
    await stopsCleanly((npm, runtime) => {
      process.kill(runtime, 'SIGINT');
      npm.kill('SIGKILL');
    });
  });

  it('a SIGINT to npm alone (a process manager, `timeout -s INT`) reaches the runtime, which stops cleanly', async () => {
    await stopsCleanly((npm) => npm.kill('SIGINT'));
  });
});

/** Runs `npm start`, signals it with `signal`, and checks the runtime made one clean stop and released its directory. */
async function stopsCleanly(signal: (npm: ReturnType<typeof spawn>, runtime: number) => void): Promise<void> {
  const dir = dataDir();
  const npm = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', MESHPLANE_DATA_DIR: dir, LOG_LEVEL: 'WARN' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  npm.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  try {
    await waitForLine(npm, /meshplane listening on http:\S+/, 60_000);
    const tree = descendants(npm.pid!);
    // npm execs the runtime: the node process is npm's child, with no shell between them.
    const runtime = tree.find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('cli/main.ts'));
    expect(runtime).toBeDefined();
    expect(tree).toEqual([runtime]);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
    signal(npm, runtime!);
    await waitFor('npm and the runtime to exit', () => ([npm.pid!, ...tree].some(alive) ? undefined : true), { timeoutMs: 45_000, intervalMs: 200 });
    expect(stderr).toMatch(/SIGINT: shutting down[\s\S]*\] stopped/);
    expect(stderr).not.toMatch(/exiting now/);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  } finally {
    if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
  }
}

/** Every process below `pid` (from /proc). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirProc()) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(entry, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parents) {
      if (parent !== p) continue;
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

function readdirProc(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/** Running (a zombie waiting for a reaper counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}

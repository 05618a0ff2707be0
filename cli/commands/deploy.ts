import type { ApiClient } from '../api-client.js';
import { EXIT, exitCodeOf, FINAL_DEPLOYMENT_STATUSES } from '../exit-codes.js';
import { renderStepTree, type DeploymentView, type PolicyView } from '../step-tree.js';
import { table } from '../table.js';

/** `--timeout SECONDS` → milliseconds (undefined: wait as long as the rollout takes). */
export function parseTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`--timeout must be a number of seconds above 0, not "${value}"`);
  return seconds * 1000;
}

/** `deploy NAME --image IMG [--watch] [--timeout S]`: starts a rollout; with --watch, follows it to the end. */
export async function deploy(
  api: ApiClient,
  name: string | undefined,
  image: string | undefined,
  flags: { json: boolean; watch: boolean; timeoutMs?: number },
): Promise<void> {
  if (!name) throw new Error('deploy needs a service NAME');
  if (!image) throw new Error('deploy needs --image IMAGE');
  const accepted = await api.request<{ deploymentId: string; operationId: string }>('POST', `/v1/services/${encodeURIComponent(name)}/deployments`, { image });
  if (!flags.watch) {
    console.log(flags.json ? JSON.stringify(accepted) : `deployment ${accepted.deploymentId} of ${image} accepted`);
    return;
  }
  const path = `/v1/services/${encodeURIComponent(name)}/deployments/${accepted.deploymentId}`;
  const deadline = flags.timeoutMs === undefined ? Infinity : Date.now() + flags.timeoutMs;
  let last = '';
  let lastAnalysis = '';
  const waveSeen = new Map<number, string>();
  for (;;) {
    if (Date.now() > deadline) {
      console.error(
        `meshplane: still ${last || 'pending'} after --timeout; the rollout goes on (follow it: meshplane deployments get ${name} ${accepted.deploymentId} --watch)`,
      );
      process.exitCode = EXIT.timedOut;
      return;
    }
    const op = await api.request<{ status: string; reason?: string }>('GET', `/v1/operations/${accepted.operationId}`);
    if (op.status === 'failed') throw new Error(`deployment was not started: ${op.reason}`);
    const d = await api.request<Record<string, any>>('GET', path).catch(() => undefined);
    if (d) {
      // Each analysis of the current step: what was decided and why (statistic, bound, evidence).
      const analysis = flags.json ? '' : analysisLine(d);
      if (analysis && analysis !== lastAnalysis) {
        console.log(`${new Date().toISOString()}    ${analysis}`);
        lastAnalysis = analysis;
      }
      // Every wave and its gates (steps passed, bake, released) as they change.
      for (const wave of flags.json ? [] : waveLines(d)) {
        if (waveSeen.get(wave.index) === wave.line) continue;
        console.log(`${new Date().toISOString()}  ${wave.line}`);
        waveSeen.set(wave.index, wave.line);
      }
      const line = `${d.status}${d.currentWeight !== undefined ? ` weight=${d.currentWeight}%` : ''}${d.currentStep !== undefined ? ` step=${d.currentStep + 1}` : ''}${d.reason ? ` (${d.reason})` : ''}`;
      if (line !== last) {
        console.log(flags.json ? JSON.stringify(d) : `${new Date().toISOString()}  ${line}`);
        last = line;
      }
      if (FINAL_DEPLOYMENT_STATUSES.has(d.status)) {
        process.exitCode = exitCodeOf(d.status);
        return;
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * "step 1 at 20%, analysis 3: continue — reasons [errors: evidence 2.1 of 111 needed, rate ≤ 0.9% (tolerated 0.6%);
 * latency > 25 ms: evidence 0.03 of 1000 needed, share ≤ 12% (tolerated 16%)]" for the newest analysed step,
 * or '' before the first analysis. The bracket (the sequential analysis' statistic and bounds) only with `method: sequential`.
 */
export function analysisLine(d: Record<string, any>): string {
  const steps = Array.isArray(d.steps) ? (d.steps as Record<string, any>[]) : [];
  const step = steps.filter((s) => s?.metrics?.analyses).at(-1);
  if (!step) return '';
  const m = step.metrics as { analyses: number; decision?: string; sequential?: Record<string, any> };
  const reasons = Array.isArray(step.reasons) ? (step.reasons as string[]).join('; ') : '';
  const figures = m.sequential ? ` [${sequentialFigures(m.sequential)}]` : '';
  return `step ${Number(step.index) + 1} at ${step.weight}%, analysis ${m.analyses}: ${m.decision ?? step.verdict}${reasons ? ` — ${reasons}` : ''}${figures}`;
}

/** The sequential statistic recorded on a step, in one short line. */
export function sequentialFigures(s: Record<string, any>): string {
  const pct = (x: unknown) => `${Number((Number(x) * 100).toFixed(2))}%`;
  const errors = `errors: evidence ${s.evidence} of ${s.evidenceNeeded} needed, rate ≤ ${pct(s.canaryRateUpper)} (tolerated ${pct(s.tolerated)})`;
  const l = s.latency as Record<string, any> | undefined;
  const latency = l
    ? `latency > ${l.slowerThanMs} ms: evidence ${l.evidence} of ${l.evidenceNeeded} needed, share ≤ ${pct(l.canarySlowShareUpper)} (tolerated ${pct(l.toleratedSlowShare)})`
    : 'latency: no histogram, p99 limit only';
  return `${errors}; ${latency}`;
}

/** "wave 1 of 2 (local): baking — 2 bake analyses, 60 s observed: pass" for each wave of a multi-cluster deployment. */
export function waveLines(d: Record<string, any>): { index: number; line: string }[] {
  const waves = Array.isArray(d.waves) ? (d.waves as Record<string, any>[]) : [];
  return waves.map((w) => {
    const bake = w.bake as { analyses: number; observedSeconds: number; verdict?: string } | undefined;
    const baking = bake ? ` — ${bake.analyses} bake ${bake.analyses === 1 ? 'analysis' : 'analyses'}, ${bake.observedSeconds} s observed: ${bake.verdict}` : '';
    const steps = w.status === 'running' ? '' : Array.isArray(w.steps) ? `, ${w.steps.length} step(s) passed` : '';
    return {
      index: Number(w.index),
      line: `wave ${Number(w.index) + 1} of ${waves.length} (${(w.clusters as string[]).join(', ')}): ${w.status}${steps}${baking}`,
    };
  });
}

/** Statuses of a deployment still in progress, that promote/abort can act on. */
const IN_PROGRESS = new Set(['pending', 'running', 'paused']);

/** The deployment a command means: the one named, else the one in progress, else (`orNewest`) the newest. */
async function resolveDeploymentId(api: ApiClient, name: string, id: string | undefined, orNewest: boolean): Promise<string> {
  if (id) return id;
  const page = await api.request<{ items: { id: string; status: string }[] }>('GET', `/v1/services/${encodeURIComponent(name)}/deployments?limit=20`);
  const chosen = page.items.find((d) => IN_PROGRESS.has(d.status)) ?? (orNewest ? page.items[0] : undefined);
  if (!chosen) throw new Error(orNewest ? `${name} has no deployments` : `${name} has no rollout in progress; name one: meshplane deployments ${name}`);
  return chosen.id;
}

/** `promote NAME [DEPLOYMENT_ID]` / `abort NAME [DEPLOYMENT_ID]`: steer a rollout (default: the one in progress). */
export async function steer(
  api: ApiClient,
  action: 'promote' | 'abort',
  name: string | undefined,
  given: string | undefined,
  flags: { json: boolean },
): Promise<void> {
  if (!name) throw new Error(`${action} needs a service NAME (and optionally a DEPLOYMENT_ID; default: the rollout in progress)`);
  const id = await resolveDeploymentId(api, name, given, false);
  const d = await api.request<Record<string, any>>('POST', `/v1/services/${encodeURIComponent(name)}/deployments/${encodeURIComponent(id)}/${action}`);
  console.log(flags.json ? JSON.stringify(d) : `${action} requested for deployment ${id} (status ${d.status}); the rollout acts on it at its next analysis`);
}

/** `rollback NAME [--to-revision N]`: back to the previous (or a named) revision through a rollout. */
export async function rollback(api: ApiClient, name: string | undefined, toRevision: string | undefined, flags: { json: boolean }): Promise<void> {
  if (!name) throw new Error('rollback needs a service NAME');
  const body = toRevision === undefined ? {} : { toRevision: Number(toRevision) };
  const accepted = await api.request<{ deploymentId: string; toRevision: number }>('POST', `/v1/services/${encodeURIComponent(name)}/rollback`, body);
  console.log(flags.json ? JSON.stringify(accepted) : `rolling back ${name} to revision ${accepted.toRevision} (deployment ${accepted.deploymentId})`);
}

/** `deployments NAME`: the service's deployments, newest first. */
export async function listDeployments(api: ApiClient, name: string | undefined, flags: { json: boolean }): Promise<void> {
  if (!name) throw new Error('deployments needs a service NAME');
  const page = await api.request<{ items: Record<string, any>[] }>('GET', `/v1/services/${encodeURIComponent(name)}/deployments?limit=50`);
  if (flags.json) return console.log(JSON.stringify(page.items));
  console.log(
    table(
      ['ID', 'IMAGE', 'STATUS', 'WEIGHT', 'FROM', 'TO', 'CREATED', 'REASON'],
      page.items.map((d) => [d.id, d.image, d.status, d.currentWeight, d.fromRevision, d.toRevision, d.createdAt, d.reason]),
    ),
  );
}

/**
 * `deployments get NAME [ID] [--watch]`: a deployment (default: the one in progress, else the newest) as
 * a step tree with each analysis's numbers against the policy's limits; --watch redraws it on every
 * change until the rollout ends, and exits like `deploy --watch`.
 */
export async function getDeployment(
  api: ApiClient,
  name: string | undefined,
  given: string | undefined,
  flags: { json: boolean; watch: boolean; timeoutMs?: number },
): Promise<void> {
  if (!name) throw new Error('deployments get needs a service NAME (and optionally a DEPLOYMENT_ID)');
  const id = await resolveDeploymentId(api, name, given, true);
  const service = await api.request<{ spec?: { rollout?: PolicyView } }>('GET', `/v1/services/${encodeURIComponent(name)}`).catch(() => undefined);
  const deadline = flags.timeoutMs === undefined ? Infinity : Date.now() + flags.timeoutMs;
  let shown = '';
  for (;;) {
    const d = await api.request<DeploymentView & { rolloutOverride?: PolicyView }>(
      'GET',
      `/v1/services/${encodeURIComponent(name)}/deployments/${encodeURIComponent(id)}`,
    );
    const text = flags.json ? JSON.stringify(d) : renderStepTree(d, { ...service?.spec?.rollout, ...d.rolloutOverride }).join('\n');
    if (text !== shown) {
      if (flags.watch && shown && process.stdout.isTTY && !flags.json) process.stdout.write('\x1b[H\x1b[2J');
      console.log(text);
      shown = text;
    }
    const ended = FINAL_DEPLOYMENT_STATUSES.has(d.status);
    if (!flags.watch || ended) {
      if (flags.watch) process.exitCode = exitCodeOf(d.status);
      return;
    }
    if (Date.now() > deadline) {
      console.error(`meshplane: deployment ${id} still ${d.status} after --timeout`);
      process.exitCode = EXIT.timedOut;
      return;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

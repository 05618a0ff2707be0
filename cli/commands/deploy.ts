import type { ApiClient } from '../api-client.js';
import { table } from '../table.js';

const FINAL = new Set(['promoted', 'rolledBack', 'aborted', 'failed', 'superseded']);

/** `deploy NAME --image IMG [--watch]`: starts a rollout; with --watch, follows it to the end. */
export async function deploy(api: ApiClient, name: string | undefined, image: string | undefined, flags: { json: boolean; watch: boolean }): Promise<void> {
  if (!name) throw new Error('deploy needs a service NAME');
  if (!image) throw new Error('deploy needs --image IMAGE');
  const accepted = await api.request<{ deploymentId: string; operationId: string }>('POST', `/v1/services/${encodeURIComponent(name)}/deployments`, { image });
  if (!flags.watch) {
    console.log(flags.json ? JSON.stringify(accepted) : `deployment ${accepted.deploymentId} of ${image} accepted`);
    return;
  }
  const path = `/v1/services/${encodeURIComponent(name)}/deployments/${accepted.deploymentId}`;
  let last = '';
  let lastAnalysis = '';
  const waveSeen = new Map<number, string>();
  for (;;) {
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
      if (FINAL.has(d.status)) {
        process.exitCode = d.status === 'promoted' ? 0 : 1;
        return;
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** "step 1 at 20%, analysis 3: continue — reasons" for the newest analysed step, or '' before the first analysis. */
export function analysisLine(d: Record<string, any>): string {
  const steps = Array.isArray(d.steps) ? (d.steps as Record<string, any>[]) : [];
  const step = steps.filter((s) => s?.metrics?.analyses).at(-1);
  if (!step) return '';
  const m = step.metrics as { analyses: number; decision?: string };
  const reasons = Array.isArray(step.reasons) ? (step.reasons as string[]).join('; ') : '';
  return `step ${Number(step.index) + 1} at ${step.weight}%, analysis ${m.analyses}: ${m.decision ?? step.verdict}${reasons ? ` — ${reasons}` : ''}`;
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

/** `promote NAME DEPLOYMENT_ID` / `abort NAME DEPLOYMENT_ID`: steer a running rollout. */
export async function steer(
  api: ApiClient,
  action: 'promote' | 'abort',
  name: string | undefined,
  id: string | undefined,
  flags: { json: boolean },
): Promise<void> {
  if (!name || !id) throw new Error(`${action} needs a service NAME and a DEPLOYMENT_ID (see: meshplane deployments NAME)`);
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

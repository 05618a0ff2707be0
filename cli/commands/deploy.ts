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

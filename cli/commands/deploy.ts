import type { ApiClient } from '../api-client.js';

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
  for (;;) {
    const op = await api.request<{ status: string; reason?: string }>('GET', `/v1/operations/${accepted.operationId}`);
    if (op.status === 'failed') throw new Error(`deployment was not started: ${op.reason}`);
    const d = await api.request<Record<string, any>>('GET', path).catch(() => undefined);
    if (d) {
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

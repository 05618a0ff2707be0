/**
 * A deployment as a step tree, like the Argo Rollouts kubectl plugin's `get rollout`: one branch per
 * step of the policy (done, current, to come), and under each analysed step its latest analysis with
 * the numbers next to the limits they are held to. Pure: the command fetches, this renders.
 */

/** What the tree reads of a deployment record (`GET /v1/services/{name}/deployments/{id}`). */
export interface DeploymentView {
  id: string;
  service: string;
  image: string;
  status: string;
  strategy?: string;
  currentStep?: number;
  currentWeight?: number;
  reason?: string;
  requested?: string;
  steps?: StepView[];
}

export interface StepView {
  index: number;
  weight: number;
  startedAt?: string;
  finishedAt?: string;
  verdict?: string;
  reasons?: string[];
  metrics?: Record<string, any>;
}

/** The limits of the policy the deployment runs under (the service's `rollout`, or the deployment's override). */
export interface PolicyView {
  steps?: { weight: number; pauseSeconds?: number; gate?: string }[];
  analysis?: { maxErrorRate?: number; maxP99LatencyMs?: number; minRequests?: number; maxErrorRateIncrease?: number };
}

const ICON: Record<string, string> = { pass: '✔', fail: '✖', inconclusive: '…' };

/** The tree as lines of text. */
export function renderStepTree(d: DeploymentView, policy: PolicyView = {}): string[] {
  const steps = d.steps ?? [];
  const planned = policy.steps ?? [];
  const count = Math.max(planned.length, steps.length);
  const where = d.currentStep !== undefined ? `, step ${d.currentStep + 1} of ${count || '?'}` : '';
  const weight = d.currentWeight !== undefined ? `, ${d.currentWeight}% to the new version` : '';
  const lines = [`deployment ${d.id} of ${d.service}: ${d.image} (${d.strategy ?? 'canary'})`, `status: ${d.status}${where}${weight}`];
  if (d.requested) lines.push(`requested: ${d.requested}`);
  if (d.reason) lines.push(`reason: ${d.reason}`);
  for (let i = 0; i < count; i++) {
    const last = i === count - 1;
    const step = steps[i];
    const weightOf = step?.weight ?? planned[i]?.weight;
    const gate = planned[i]?.gate === 'manual' ? ' [manual gate]' : '';
    lines.push(`${last ? '└─' : '├─'} step ${i + 1} at ${weightOf ?? '?'}%${gate}: ${stepState(d, step, i)}`);
    const pad = last ? '   ' : '│  ';
    if (step?.metrics?.analyses) lines.push(...analysisLines(step, policy).map((line) => `${pad}${line}`));
  }
  return lines;
}

function stepState(d: DeploymentView, step: StepView | undefined, index: number): string {
  if (!step) return 'to come';
  const verdict = step.verdict ? `${ICON[step.verdict] ?? ''} ${step.verdict}`.trim() : 'started';
  const took = step.startedAt && step.finishedAt ? ` in ${seconds(step.startedAt, step.finishedAt)}` : '';
  if (step.finishedAt) return `${verdict}${took}`;
  return d.currentStep === index && (d.status === 'running' || d.status === 'paused') ? `${d.status === 'paused' ? 'held' : 'running'} (${verdict})` : verdict;
}

/** The latest analysis of a step: decision, then each measured number against its limit. */
export function analysisLines(step: StepView, policy: PolicyView = {}): string[] {
  const m = step.metrics ?? {};
  const limits = policy.analysis ?? {};
  const out = [`└─ analysis ${m.analyses}${m.phase ? ` (${m.phase})` : ''}: ${m.decision ?? step.verdict ?? '?'}`];
  const canary = m.canary as { requests?: number; errors?: number; errorRate?: number; p99LatencyMs?: number | null } | undefined;
  const stable = m.stable as typeof canary;
  if (canary) {
    out.push(
      `   canary: error rate ${pct(canary.errorRate)} (${canary.errors ?? 0} of ${canary.requests ?? 0})${limit(limits.maxErrorRate, pct)}` +
        `, p99 ${ms(canary.p99LatencyMs)}${limit(limits.maxP99LatencyMs, ms)}`,
    );
  }
  if (stable) out.push(`   stable: error rate ${pct(stable.errorRate)} (${stable.errors ?? 0} of ${stable.requests ?? 0}), p99 ${ms(stable.p99LatencyMs)}`);
  const seq = m.sequential as { outcome?: string; evidence?: number; evidenceNeeded?: number; canaryRateUpper?: number; tolerated?: number } | undefined;
  if (seq && typeof seq.evidence === 'number') {
    out.push(
      `   sequential: ${seq.outcome ?? 'open'}; evidence of regression ${num(seq.evidence)} (rollback at ${num(seq.evidenceNeeded)})` +
        (typeof seq.canaryRateUpper === 'number' ? `; canary error rate at most ${pct(seq.canaryRateUpper)} (tolerated ${pct(seq.tolerated)})` : ''),
    );
  }
  for (const reason of step.reasons ?? []) out.push(`   · ${reason}`);
  return out;
}

function limit<T>(value: T | undefined, format: (v: T) => string): string {
  return value === undefined ? '' : ` (limit ${format(value)})`;
}

function pct(v: number | undefined): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '–';
  return `${Number((v * 100).toPrecision(3))}%`;
}

function ms(v: number | null | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? `${Math.round(v)} ms` : '–';
}

function num(v: number | undefined): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '–';
  return v >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString();
}

function seconds(from: string, to: string): string {
  const s = Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));
  return s >= 120 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

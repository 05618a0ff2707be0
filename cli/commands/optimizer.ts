import type { OptimizerRunSummary } from '../../lib/usecases/optimizer/optimizer-run.js';
import type { OptimizerRun } from '../../lib/usecases/optimizer/run-optimizer.js';
import type { ApiClient } from '../api-client.js';
import { table } from '../table.js';

/** Flags of `meshplane optimize`. */
export interface OptimizeFlags {
  json: boolean;
  dryRun: boolean;
  /** As typed on the command line; validated here. */
  maxMoves?: string;
}

type Cost = NonNullable<OptimizerRun['costBefore']>;

/** Parses `--max-moves`: a whole number from 0 to 1000 (the API's limit), or undefined for the API default. */
export function parseMaxMoves(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 1_000) throw new Error(`--max-moves must be a whole number from 0 to 1000, got "${value}"`);
  return n;
}

/** The optimizer function's timeout (300 s) and a margin: how long `optimize` follows a run. */
const RUN_WAIT_MS = 330_000;

/**
 * `optimize [--dry-run] [--max-moves N]`: starts one optimizer run (the API answers 202 with its
 * operation), waits for the operation to end, then prints the plan (and what was applied).
 */
export async function optimize(api: ApiClient, flags: OptimizeFlags): Promise<void> {
  const maxMoves = parseMaxMoves(flags.maxMoves);
  const accepted = await api.request<{ operationId: string; runId: string }>('POST', '/v1/optimizer/runs', {
    dryRun: flags.dryRun,
    ...(maxMoves === undefined ? {} : { maxMoves }),
  });
  const op = await api.waitForOperation(accepted.operationId, RUN_WAIT_MS);
  const runId = (op as { result?: { runId?: string } }).result?.runId ?? accepted.runId;
  try {
    printRun(await api.request<OptimizerRun>('GET', `/v1/optimizer/runs/${encodeURIComponent(runId)}`), flags.json);
  } catch (err) {
    // A run whose request was refused before it ran has no stored plan: the operation says why.
    if (op.status !== 'failed') throw err;
    console.log(flags.json ? JSON.stringify(op) : `optimizer run ${runId}: failed (${op.reason})`);
    process.exitCode = 1;
  }
}

/** `optimizer get RUN_ID`: a stored run. */
export async function getOptimizerRun(api: ApiClient, id: string | undefined, flags: { json: boolean }): Promise<void> {
  if (!id) throw new Error('optimizer get needs a RUN_ID');
  printRun(await api.request<OptimizerRun>('GET', `/v1/optimizer/runs/${encodeURIComponent(id)}`), flags.json);
}

/** `optimizer runs`: the newest finished runs (kept 30 days) with their cost before and after. */
export async function listOptimizerRuns(api: ApiClient, flags: { json: boolean }): Promise<void> {
  const page = await api.request<{ items: OptimizerRunSummary[]; nextCursor?: string }>('GET', '/v1/optimizer/runs?limit=20');
  console.log(flags.json ? JSON.stringify(page) : formatOptimizerRuns(page.items));
}

/** Runs for people, newest first: one line each with the $/month of cross-zone transfer before and after the plan. */
export function formatOptimizerRuns(runs: OptimizerRunSummary[]): string {
  if (runs.length === 0) return 'no optimizer runs in the last 30 days';
  const dollars = (c: OptimizerRunSummary['costBefore']) => (c ? c.dollarsPerMonth.toFixed(2) : undefined);
  return table(
    ['RUN', 'STARTED', 'STATUS', 'SOLVER', 'BEFORE $/MONTH', 'AFTER $/MONTH', 'MEAN LATENCY', 'MOVES'],
    runs.map((r) => [
      r.id,
      r.startedAt.replace(/\.\d+Z$/, 'Z'),
      `${r.status}${r.dryRun && r.status !== 'failed' ? ' (dry run)' : ''}`,
      r.solver,
      dollars(r.costBefore),
      dollars(r.costAfterPlan),
      r.costBefore && r.costAfterPlan ? `${r.costBefore.meanLatencyMs.toFixed(3)} → ${r.costAfterPlan.meanLatencyMs.toFixed(3)} ms` : undefined,
      r.movedReplicas === undefined ? r.moves : `${r.movedReplicas}/${r.moves} moved`,
    ]),
  );
}

function printRun(run: OptimizerRun, json: boolean): void {
  console.log(json ? JSON.stringify(run) : formatOptimizerRun(run));
  if (run.status === 'failed') process.exitCode = 1;
}

const STATUS_TEXT: Record<OptimizerRun['status'], string> = {
  planned: 'planned (dry run: nothing applied)',
  applied: 'applied',
  nothingToDo: 'nothing to do',
  failed: 'failed',
};

/** A run for people: headline, cost before and after, the moves, frozen services. */
export function formatOptimizerRun(run: OptimizerRun): string {
  const lines = [`optimizer run ${run.id}: ${STATUS_TEXT[run.status]}${run.reason ? ` (${run.reason})` : ''}`];
  const solve = [
    run.solveStatus,
    run.gap !== undefined ? `gap ${formatPercent(run.gap)}` : undefined,
    run.solveTimeMs !== undefined ? `${Math.round(run.solveTimeMs)} ms` : undefined,
  ].filter(Boolean);
  lines.push(`cluster ${run.cluster ?? '-'}, solver ${run.solver}${solve.length ? ` (${solve.join(', ')})` : ''}`);
  if (run.traffic) lines.push(trafficLine(run.traffic));
  if (run.costBefore) lines.push('', costTable(run.costBefore, run.costAfterPlan));
  if (run.moves.length > 0) {
    lines.push(
      '',
      `${run.moves.length} move${run.moves.length === 1 ? '' : 's'}${run.remainingMoves ? ` (${run.remainingMoves} more toward the optimum not planned)` : ''}:`,
    );
    lines.push(
      table(
        ['SERVICE', 'REPLICA', 'FROM', 'TO', 'COST CHANGE'],
        run.moves.map((m) => [m.service, m.replicaIndex, m.fromNode, m.toNode, round(m.costDelta)]),
      ),
    );
  } else if (run.status !== 'failed') lines.push('', 'no moves');
  if (run.appliedServices.length > 0) lines.push('', `node affinity updated: ${run.appliedServices.join(', ')}`);
  if (run.frozen.length > 0) lines.push('', 'left alone:', ...run.frozen.map((f) => `  ${f.service}: ${f.reason}`));
  return lines.join('\n');
}

function trafficLine(t: NonNullable<OptimizerRun['traffic']>): string {
  const edges = `${t.edges} traffic edge${t.edges === 1 ? '' : 's'}`;
  if (t.unavailable) return `${edges}, all declared (${t.unavailable})`;
  return `${edges}, ${t.observedEdges} at rates observed over the last ${t.windowSeconds} s, the rest declared`;
}

function costTable(before: Cost, after: Cost | undefined): string {
  const row = (label: string, pick: (c: Cost) => number, unit: string, digits: number) => {
    const b = pick(before);
    const a = after ? pick(after) : undefined;
    return [label, `${b.toFixed(digits)}${unit}`, a === undefined ? undefined : `${a.toFixed(digits)}${unit}`, a === undefined ? undefined : change(b, a)];
  };
  return table(
    ['COST', 'BEFORE', 'AFTER PLAN', 'CHANGE'],
    [
      row('mean latency / request', (c) => c.meanLatencyMs, ' ms', 3),
      row('latency × rps', (c) => c.latencyMsPerSecond, ' ms/s', 1),
      row('data transfer', (c) => c.dollarsPerMonth, ' $/month', 2),
      row('objective', (c) => c.total, '', 2),
    ],
  );
}

function change(before: number, after: number): string {
  if (before === after) return '0%';
  if (before === 0) return 'new';
  return `${after < before ? '' : '+'}${formatPercent((after - before) / before)}`;
}

function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

function round(n: number): number {
  return Math.round(n * 1_000) / 1_000;
}

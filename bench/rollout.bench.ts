/**
 * Rollout timing on the local runtime (API → deploy queue → rollout state machine → simulated
 * cluster), with the default canary policy (steps 10/25/50/100 %, 60 s pauses, 30 s analysis interval),
 * once with today's threshold analysis (`method: threshold`) and once with the sequential analysis (the
 * default), in the same run on the same simulated traffic:
 *
 * - healthyPromotion: a healthy image. From the rollout's start (`RolloutStarted`) until it is promoted
 *   (`RolloutPromoted`): analysis intervals waited, compressed seconds, and an estimate at time factor 1.
 * - badCanaryRollback: a canary answering 20 % errors. From its first traffic (`TrafficShifted`) until it
 *   is rolled back (traffic 100 % on stable, canary removed).
 * - slowCanaryRollback: a canary whose p99 is 3× stable's (120 ms against 40 ms; the 500 ms limit is not
 *   broken): only the sequential latency test on histogram buckets sees it.
 * - crashLoopRollback: a canary whose pods crash-loop. From the first crash (a canary pod first seen in
 *   CrashLoopBackOff, polled on the simulated cluster) until it is rolled back.
 *
 * Traffic: the simulated cluster sends BENCH_RPS requests/s (default 600) to each service from outside
 * the mesh, so the canary serves 60 rps at 10 %; base error rate 0.1 %, p99 40 ms. BENCH_RPS=20 shows a
 * service with little traffic (2 rps at 10 %).
 *
 * Time is compressed by TIME_FACTOR: Waits and retry pauses of the state machine are scaled by it and the
 * simulated cluster's clock runs 1/TIME_FACTOR times faster, so each compressed interval still sees 30 s
 * of simulated traffic. The control plane's own work (task calls, DynamoDB writes, applies) is not
 * compressed: "equivalent seconds" (everything ÷ TIME_FACTOR) overstate factor 1, so an estimate that scales
 * only the analysis intervals waited is printed too, and intervals are counted as the analyses run.
 * Flagger's and Argo Rollouts' defaults are printed alongside for comparison. One JSON line per case
 * and method, then one summary line.
 *
 *   npx tsx bench/rollout.bench.ts        (npm run bench:rollout; BENCH_RUNS=3 by default)
 */
import { apiAt, poll, type Api } from './support/api-client.js';
import { startMeshplaneLocal } from '../cli/local-runtime.js';
import { quantile } from '../lib/health/robust-stats.js';
import type { LocalRuntime } from '../lib/local/runtime.js';
import type { AuditEvent, DeploymentRecord } from '../lib/model/records.js';
import { DEFAULT_CANARY_STEPS } from '../lib/model/service-spec.js';

const TIME_FACTOR = 0.02;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const RPS = Number(process.env.BENCH_RPS ?? 600);
const INTERVAL_SECONDS = 30;
const FINAL = new Set(['promoted', 'rolledBack', 'aborted', 'failed', 'superseded']);
const METHODS = ['threshold', 'sequential'] as const;
type Method = (typeof METHODS)[number];
/** BENCH_CASES=slow,crash (of good, bad, slow, crash) and BENCH_METHODS=sequential run a part; the summary needs good and bad of both. */
const CASES = new Set((process.env.BENCH_CASES ?? 'good,bad,slow,crash').split(','));
const RUN_METHODS = METHODS.filter((m) => (process.env.BENCH_METHODS ?? 'threshold,sequential').split(',').includes(m));

/** What the comparison tools do by default (or in their documented examples), for the printed output. */
const COMPARISON = {
  flagger: {
    analysisIntervalSeconds: 60,
    thresholdFailedChecks: [5, 10],
    rollbackAfterSeconds: [300, 600],
    note: 'interval 1m (default) × threshold 5–10 failed checks (documented examples) before rollback',
  },
  argoRollouts: {
    defaultFailureLimit: 0,
    docsExample: { intervalSeconds: 300, failureLimit: 3 },
    rollbackAfterSecondsDocsExample: 900,
    note: 'no analysis unless an AnalysisTemplate is referenced; with the docs example (measurements every 5m, failureLimit 3) the 4th failed measurement, 15 min in, aborts',
  },
} as const;

/** The bench's wait: every 100 ms, up to 120 s by default. */
const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> => poll(what, probe, { timeoutMs, intervalMs: 100 });

/** Registers a 3-replica service with the default rollout policy (analysed by `method`) and waits for its pods. */
async function registerService(api: Api, name: string, method: Method): Promise<void> {
  const accepted = await api.call('POST', '/v1/services', {
    name,
    image: `registry.example.com/bench/${name}:1.0.0`,
    port: 8080,
    replicas: 3,
    rollout: { analysis: { method } },
  });
  await waitFor(`registration of ${name}`, async () =>
    (await api.call('GET', `/v1/operations/${accepted.operationId}`)).status === 'succeeded' ? true : undefined,
  );
  await waitFor(`${name} Ready`, async () => ((await api.call('GET', `/v1/services/${name}`)).status?.readyReplicas === 3 ? true : undefined));
}

/** Deploys `image` and returns the ended deployment with the service's audit trail; `watch` runs alongside until it ends. */
async function deployAndWait(
  api: Api,
  name: string,
  image: string,
  watch?: () => Promise<void>,
): Promise<{ deployment: DeploymentRecord; events: AuditEvent[] }> {
  const { deploymentId } = await api.call('POST', `/v1/services/${name}/deployments`, { image });
  let ended = false;
  const watching = (async () => {
    while (watch && !ended) {
      await watch();
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  // A whole rollout of the default policy: 8+ intervals and every task's own time (long on a loaded machine).
  const deployment = await waitFor(
    `deployment ${deploymentId}`,
    async () => {
      const d = await api.call<DeploymentRecord>('GET', `/v1/services/${name}/deployments/${deploymentId}`).catch(() => undefined);
      return d && FINAL.has(d.status) ? d : undefined;
    },
    900_000,
  );
  ended = true;
  await watching;
  const events = (await api.call<{ items: AuditEvent[] }>('GET', `/v1/services/${name}/events?limit=100`)).items;
  return { deployment, events };
}

function eventTime(events: AuditEvent[], type: string, deploymentId: string, pick: 'first' | 'last' = 'first'): number {
  const matching = events
    .filter((e) => e.type === type && e.data?.deploymentId === deploymentId)
    .map((e) => Date.parse(e.at))
    .sort((a, b) => a - b);
  if (matching.length === 0) throw new Error(`no ${type} event for ${deploymentId}`);
  return pick === 'first' ? matching[0] : matching[matching.length - 1];
}

const round = (n: number, digits = 2) => Number(n.toFixed(digits));

/** Analysis intervals a deployment waited: each analysis closes one interval, except one run at once after setWeight stopped (observed 0 s). */
function analysesOf(deployment: DeploymentRecord): number {
  return deployment.steps.reduce((sum, s) => sum + Number((s.metrics as { analyses?: number } | undefined)?.analyses ?? 0), 0);
}

/**
 * Seconds at time factor 1 when only the waits scale: the intervals waited at full length plus the
 * control plane's own work, which took what it took (the compressed time not spent waiting).
 */
function atFactor1(compressedSeconds: number, intervalsWaited: number): number {
  const waitedCompressed = intervalsWaited * INTERVAL_SECONDS * TIME_FACTOR;
  return intervalsWaited * INTERVAL_SECONDS + Math.max(0, compressedSeconds - waitedCompressed);
}

interface CaseResult {
  compressed: number[];
  intervals: number[];
  statuses: string[];
  reasons: string[];
}

function summarise(bench: string, method: Method, r: CaseResult, extra: Record<string, unknown> = {}) {
  const p50 = quantile(r.compressed, 0.5);
  const waited = quantile(r.intervals, 0.5);
  const line = {
    bench,
    method,
    runs: r.compressed.length,
    timeFactor: TIME_FACTOR,
    serviceRps: RPS,
    statuses: r.statuses,
    analysisIntervalsWaitedP50: waited,
    p50CompressedSeconds: round(p50),
    p50InIntervalsCompressed: round(p50 / (INTERVAL_SECONDS * TIME_FACTOR)),
    p50EstimatedSecondsAtFactor1: round(atFactor1(p50, waited), 1),
    p50EstimatedIntervalsAtFactor1: round(atFactor1(p50, waited) / INTERVAL_SECONDS, 2),
    samplesCompressedSeconds: r.compressed.map((x) => round(x)),
    reason: r.reasons[0],
    ...extra,
  };
  console.log(JSON.stringify(line));
  return line;
}

function emptyResult(): CaseResult {
  return { compressed: [], intervals: [], statuses: [], reasons: [] };
}

async function healthyCase(api: Api, method: Method) {
  const r = emptyResult();
  for (let run = 0; run < RUNS; run++) {
    const name = `good-${method.slice(0, 3)}-${run}`;
    await registerService(api, name, method);
    const { deployment, events } = await deployAndWait(api, name, `registry.example.com/bench/${name}:2.0.0`);
    r.statuses.push(deployment.status);
    if (deployment.status !== 'promoted') {
      r.reasons.push(deployment.reason ?? '');
      continue;
    }
    r.compressed.push((eventTime(events, 'RolloutPromoted', deployment.id) - eventTime(events, 'RolloutStarted', deployment.id)) / 1000);
    r.intervals.push(analysesOf(deployment));
  }
  // Each step is observed for its 60 s pause: two 30 s analysis intervals.
  const modelSeconds = DEFAULT_CANARY_STEPS.reduce((sum, s) => sum + Math.max(1, Math.ceil(s.pauseSeconds / INTERVAL_SECONDS)) * INTERVAL_SECONDS, 0);
  return summarise('rollout.healthyPromotion', method, r, { observationModelIntervals: modelSeconds / INTERVAL_SECONDS });
}

/** A bad canary (a traffic fault on its image): from its first traffic until it is rolled back. */
async function faultyCase(runtime: LocalRuntime, api: Api, method: Method, kind: 'errors' | 'slow') {
  const r = emptyResult();
  for (let run = 0; run < RUNS; run++) {
    const name = `${kind === 'errors' ? 'bad' : 'slow'}-${method.slice(0, 3)}-${run}`;
    await registerService(api, name, method);
    const image = `registry.example.com/bench/${name}:2.0.0`;
    runtime.sim!.faults.traffic(kind === 'errors' ? { image, errorRate: 0.2 } : { image, p99LatencyMs: 120 });
    const { deployment, events } = await deployAndWait(api, name, image);
    r.statuses.push(deployment.status);
    r.reasons.push(deployment.reason ?? '');
    if (deployment.status !== 'rolledBack') continue;
    // `updatedAt` of the final record: rollback commits it after traffic is back and the canary is gone.
    r.compressed.push((Date.parse(deployment.updatedAt) - eventTime(events, 'TrafficShifted', deployment.id)) / 1000);
    r.intervals.push(analysesOf(deployment));
  }
  return summarise(kind === 'errors' ? 'rollout.badCanaryRollback' : 'rollout.slowCanaryRollback', method, r, {
    fault: kind === 'errors' ? { errorRate: 0.2 } : { p99LatencyMs: 120, stableP99LatencyMs: 40 },
  });
}

/** A canary whose pods crash-loop: from the first crash seen on the cluster until it is rolled back. */
async function crashLoopCase(runtime: LocalRuntime, api: Api, method: Method) {
  const sim = runtime.sim!;
  const token = /token:\s*"?([^\s"]+)"?/.exec(sim.kubeconfigYaml())?.[1] ?? '';
  const r = emptyResult();
  const detected: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const name = `crash-${method.slice(0, 3)}-${run}`;
    await registerService(api, name, method);
    const image = `registry.example.com/bench/${name}:2.0.0`;
    sim.faults.crashLoop(image);
    let firstCrash: number | undefined;
    const watch = async () => {
      if (firstCrash !== undefined) return;
      const res = await fetch(`${sim.url}/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(`app=${name},track=canary`)}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const pods = ((await res.json()) as { items?: { status?: { containerStatuses?: { state?: { waiting?: { reason?: string } } }[] } }[] }).items ?? [];
      if (pods.some((p) => p.status?.containerStatuses?.some((c) => c.state?.waiting?.reason === 'CrashLoopBackOff'))) firstCrash = Date.now();
    };
    const { deployment, events } = await deployAndWait(api, name, image, watch);
    r.statuses.push(deployment.status);
    r.reasons.push(deployment.reason ?? '');
    if (deployment.status !== 'rolledBack' || firstCrash === undefined) continue;
    r.compressed.push((Date.parse(deployment.updatedAt) - firstCrash) / 1000);
    detected.push((eventTime(events, 'AnalysisFailed', deployment.id) - firstCrash) / 1000);
    // The analysis that rolls back runs at once (observed 0 s): no interval waited.
    r.intervals.push(0);
  }
  // Detection: setWeight sees CrashLoopBackOff and rejects the canary (AnalysisFailed); the rest is the analysis and the rollback tasks.
  return summarise('rollout.crashLoopRollback', method, r, { firstCrashToRejectedP50CompressedSeconds: round(quantile(detected, 0.5)) });
}

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= 'SILENT';
  const runtime = await startMeshplaneLocal({ port: 0, timeFactor: TIME_FACTOR, sim: { readyDelayMs: 0, externalRps: RPS } });
  try {
    const api = apiAt(runtime.url);
    const good: Record<string, ReturnType<typeof summarise>> = {};
    const bad: Record<string, ReturnType<typeof summarise>> = {};
    for (const method of RUN_METHODS) {
      if (CASES.has('good')) good[method] = await healthyCase(api, method);
      if (CASES.has('bad')) bad[method] = await faultyCase(runtime, api, method, 'errors');
      if (CASES.has('slow')) await faultyCase(runtime, api, method, 'slow');
      if (CASES.has('crash')) await crashLoopCase(runtime, api, method);
    }
    if (!good.threshold || !good.sequential || !bad.threshold || !bad.sequential) return;
    const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 2) : null);
    console.log(
      JSON.stringify({
        bench: 'rollout.summary',
        serviceRps: RPS,
        goodCanaryToPromotionIntervals: { threshold: good.threshold.analysisIntervalsWaitedP50, sequential: good.sequential.analysisIntervalsWaitedP50 },
        goodCanaryPromotionRatioIntervals: ratio(good.sequential.analysisIntervalsWaitedP50, good.threshold.analysisIntervalsWaitedP50),
        goodCanaryPromotionRatioEstimatedAtFactor1: ratio(good.sequential.p50EstimatedSecondsAtFactor1, good.threshold.p50EstimatedSecondsAtFactor1),
        badCanaryToRollbackIntervals: { threshold: bad.threshold.analysisIntervalsWaitedP50, sequential: bad.sequential.analysisIntervalsWaitedP50 },
        comparison: COMPARISON,
      }),
    );
  } finally {
    await runtime.stop();
  }
}

await main();

/**
 * Rollout timing on the local runtime (API → deploy queue → rollout state machine → simulated
 * cluster), with the default canary policy: steps 10/25/50/100 %, 60 s pauses, 30 s analysis interval.
 *
 * - badCanaryRollback: a canary answering 20 % errors. From its first traffic (the `TrafficShifted`
 *   audit event) until it is rolled back (the deployment ends `rolledBack`: traffic 100 % on stable,
 *   canary removed), in compressed seconds, in analysis intervals, and scaled to time factor 1.
 * - healthyPromotion: a healthy image. From the rollout's start (`RolloutStarted`) until it is promoted
 *   (`RolloutPromoted`), in compressed seconds and scaled to time factor 1.
 *
 * Time is compressed by TIME_FACTOR: Waits and retry pauses of the state machine are scaled by it and the
 * simulated cluster's clock runs 1/TIME_FACTOR times faster, so each compressed interval still sees 30 s
 * of simulated traffic. The control plane's own work (task calls, DynamoDB writes, applies) is not
 * compressed: "equivalent seconds" (everything ÷ TIME_FACTOR) overstate factor 1, so an estimate that scales
 * only the analysis intervals waited is printed too.
 * Flagger's and Argo Rollouts' defaults are printed alongside for comparison. One JSON line per case.
 *
 *   npx tsx bench/rollout.bench.ts        (npm run bench:rollout)
 */
import { startMeshplaneLocal } from '../cli/local-runtime.js';
import { quantile } from '../lib/health/robust-stats.js';
import type { LocalRuntime } from '../lib/local/runtime.js';
import type { AuditEvent, DeploymentRecord } from '../lib/model/records.js';
import { DEFAULT_CANARY_STEPS } from '../lib/model/service-spec.js';

const TIME_FACTOR = 0.02;
const BAD_RUNS = 5;
const GOOD_RUNS = 3;
const INTERVAL_SECONDS = 30;
const FINAL = new Set(['promoted', 'rolledBack', 'aborted', 'failed', 'superseded']);

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

interface Api {
  call<T = any>(method: string, path: string, body?: unknown): Promise<T>;
}

function apiAt(baseUrl: string): Api {
  return {
    async call(method, path, body) {
      const res = await fetch(new URL(path, baseUrl), {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    },
  };
}

async function poll<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Registers a 3-replica service with the default rollout policy and waits for its pods. */
async function registerService(api: Api, name: string): Promise<void> {
  const accepted = await api.call('POST', '/v1/services', { name, image: `registry.example.com/bench/${name}:1.0.0`, port: 8080, replicas: 3 });
  await poll(`registration of ${name}`, async () =>
    (await api.call('GET', `/v1/operations/${accepted.operationId}`)).status === 'succeeded' ? true : undefined,
  );
  await poll(`${name} Ready`, async () => ((await api.call('GET', `/v1/services/${name}`)).status?.readyReplicas === 3 ? true : undefined));
}

/** Deploys `image` and returns the ended deployment with the service's audit trail. */
async function deployAndWait(api: Api, name: string, image: string): Promise<{ deployment: DeploymentRecord; events: AuditEvent[] }> {
  const { deploymentId } = await api.call('POST', `/v1/services/${name}/deployments`, { image });
  const deployment = await poll(`deployment ${deploymentId}`, async () => {
    const d = await api.call<DeploymentRecord>('GET', `/v1/services/${name}/deployments/${deploymentId}`).catch(() => undefined);
    return d && FINAL.has(d.status) ? d : undefined;
  });
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

/** Analysis intervals a deployment waited: each analysis closes one interval. */
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

async function badCanaryCase(runtime: LocalRuntime, api: Api): Promise<void> {
  const compressed: number[] = [];
  const intervals: number[] = [];
  for (let run = 0; run < BAD_RUNS; run++) {
    const name = `bad-canary-${run}`;
    await registerService(api, name);
    const image = `registry.example.com/bench/${name}:2.0.0`;
    runtime.sim!.faults.traffic({ image, errorRate: 0.2 });
    const { deployment, events } = await deployAndWait(api, name, image);
    if (deployment.status !== 'rolledBack') throw new Error(`${name}: expected rolledBack, got ${deployment.status} (${deployment.reason})`);
    // `updatedAt` of the final record: rollback commits it after traffic is back and the canary is gone.
    compressed.push((Date.parse(deployment.updatedAt) - eventTime(events, 'TrafficShifted', deployment.id)) / 1000);
    intervals.push(analysesOf(deployment));
  }
  const p50 = quantile(compressed, 0.5);
  const waited = quantile(intervals, 0.5);
  console.log(
    JSON.stringify({
      bench: 'rollout.badCanaryRollback',
      runs: BAD_RUNS,
      timeFactor: TIME_FACTOR,
      canaryErrorRate: 0.2,
      policy: { steps: DEFAULT_CANARY_STEPS.map((s) => s.weight), pauseSeconds: 60, analysisIntervalSeconds: INTERVAL_SECONDS, maxErrorRate: 0.01 },
      firstTrafficToStableP50CompressedSeconds: round(p50),
      firstTrafficToStableP50AnalysisIntervals: round(p50 / (INTERVAL_SECONDS * TIME_FACTOR)),
      firstTrafficToStableP50EquivalentSecondsAtFactor1: round(p50 / TIME_FACTOR, 1),
      analysisIntervalsWaitedP50: waited,
      firstTrafficToStableP50EstimatedSecondsAtFactor1: round(atFactor1(p50, waited), 1),
      samplesCompressedSeconds: compressed.map((s) => round(s)),
      comparison: COMPARISON,
    }),
  );
}

async function healthyCase(api: Api): Promise<void> {
  const compressed: number[] = [];
  const intervals: number[] = [];
  for (let run = 0; run < GOOD_RUNS; run++) {
    const name = `good-canary-${run}`;
    await registerService(api, name);
    const { deployment, events } = await deployAndWait(api, name, `registry.example.com/bench/${name}:2.0.0`);
    if (deployment.status !== 'promoted') throw new Error(`${name}: expected promoted, got ${deployment.status} (${deployment.reason})`);
    compressed.push((eventTime(events, 'RolloutPromoted', deployment.id) - eventTime(events, 'RolloutStarted', deployment.id)) / 1000);
    intervals.push(analysesOf(deployment));
  }
  const p50 = quantile(compressed, 0.5);
  const waited = quantile(intervals, 0.5);
  // Each step is observed for its 60 s pause: two 30 s analysis intervals.
  const modelSeconds = DEFAULT_CANARY_STEPS.reduce((sum, s) => sum + Math.max(1, Math.ceil(s.pauseSeconds / INTERVAL_SECONDS)) * INTERVAL_SECONDS, 0);
  console.log(
    JSON.stringify({
      bench: 'rollout.healthyPromotion',
      runs: GOOD_RUNS,
      timeFactor: TIME_FACTOR,
      policy: { steps: DEFAULT_CANARY_STEPS.map((s) => s.weight), pauseSeconds: 60, analysisIntervalSeconds: INTERVAL_SECONDS },
      startToPromotedP50CompressedSeconds: round(p50),
      startToPromotedP50EquivalentSecondsAtFactor1: round(p50 / TIME_FACTOR, 1),
      analysisIntervalsWaitedP50: waited,
      startToPromotedP50EstimatedSecondsAtFactor1: round(atFactor1(p50, waited), 1),
      observationModelSeconds: modelSeconds,
      samplesCompressedSeconds: compressed.map((s) => round(s)),
      comparison: COMPARISON,
    }),
  );
}

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= 'SILENT';
  const runtime = await startMeshplaneLocal({ port: 0, timeFactor: TIME_FACTOR, sim: { readyDelayMs: 0 } });
  try {
    const api = apiAt(runtime.url);
    await badCanaryCase(runtime, api);
    await healthyCase(api);
  } finally {
    await runtime.stop();
  }
}

await main();

/**
 * Automatic remediation on the local runtime (the Lambda handlers, dynalite, fauxqs, the simulated
 * cluster), with a remediation policy whose global budget does not get in the way. One JSON line per case:
 *
 * - `alarmToRestart/api`, `alarmToRestart/sqs`: the time from the confirming ALARM arriving (the
 *   `POST /v1/alarms` request sent, or the SQS message sent to the health queue) to the restart being
 *   in the cluster: the Deployment's pod template carries `meshplane.io/restarted-at`, read with
 *   @kubernetes/client-node every few milliseconds. Also the time to the decision's audit entry. One
 *   service per run (cooldowns are per service), runs one after another, so each is an unloaded latency.
 * - `throughput`: an alarm storm over SQS: an ALARM and its confirming ALARM for each of BENCH_STORM_SERVICES
 *   services (default 200), all sent at once; decisions/s is the decisions recorded in the audit trail
 *   over the time from the first send to the last decision, against the target (≥ 100/s).
 *   Every confirming alarm acts (a restart): its batch writes the global ledger (once for all of the
 *   batch's actions), the service is changed and its converge queued: the intake's full path, not only
 *   the policy. The line carries the machine's load average: the figure depends on what else runs.
 * - `duplicateDelivery`: every service gets an ALARM pair over SQS; 20% of the signals (seeded) are sent
 *   a second time as the identical message under another deduplication id, so SQS delivers them twice,
 *   as at-least-once delivery can. Actions per signal are counted from the audit trail: `duplicateActions`
 *   must be 0.
 *
 * Services are observed by one health probe run after they are registered (the intake decides on the
 * pods as the probe last observed them; the scheduled probe is turned off here).
 *
 *   npm run bench:remediation
 *   BENCH_RUNS=50 BENCH_STORM_SERVICES=500 npm run bench:remediation
 *   BENCH_CASES=throughput npm run bench:remediation      (only some cases: api, sqs, throughput, duplicates)
 */
import { mulberry32 } from '../lib/random.js';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { startMeshplaneLocal } from '../cli/local-runtime.js';
import { awsClientConfig } from '../lib/composition/create-app.js';
import type { HealthSignal } from '../lib/health/health-signal.js';
import { RemediationPolicy } from '../lib/health/remediation-policy.js';
import type { LocalRuntime } from '../lib/local/runtime.js';
import { ANNOTATIONS, workloadName } from '../lib/mesh/labels.js';
import { SCHEMA_VERSION, type EventEnvelope } from '../lib/model/events.js';
import type { AuditEvent } from '../lib/model/records.js';
import { runHealthProbe } from '../lib/usecases/health/run-health-probe.js';
import { envelopeIdFor } from '../lib/usecases/health/submit-signal.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const DUPLICATE_SERVICES = Number(process.env.BENCH_DUPLICATE_SERVICES ?? 40);
const DUPLICATE_SHARE = 0.2;
const STORM_SERVICES = Number(process.env.BENCH_STORM_SERVICES ?? 200);
/** The target for remediation decisions through the intake (issue 12). */
const TARGET_DECISIONS_PER_SECOND = 100;
const POLL_INTERVAL_MS = 5;
const TIMEOUT_MS = 60_000;

/** Large budgets, so that only what is measured decides how many actions run. */
const BENCH_POLICY = RemediationPolicy.parse({ globalRateLimit: { capacity: 10_000, refillPerHour: 10_000 } });

async function until<T>(what: string, probe: () => Promise<T | undefined>, intervalMs = POLL_INTERVAL_MS, timeoutMs = TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

const round = (ms: number) => Math.round(ms * 10) / 10;

function latencySummary(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: round(quantile(sorted, 0.5)), p99: round(quantile(sorted, 0.99)), min: round(sorted[0]), max: round(sorted.at(-1)!) };
}

class Bench {
  private readonly sqs: SQSClient;
  private readonly apps: AppsV1Api;

  constructor(private readonly runtime: LocalRuntime) {
    this.sqs = new SQSClient(awsClientConfig(runtime.app.config, 'sqs'));
    const kc = new KubeConfig();
    kc.loadFromString(readFileSync(runtime.kubeconfigPath!, 'utf8'));
    this.apps = kc.makeApiClient(AppsV1Api);
  }

  close(): void {
    this.sqs.destroy();
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(new URL(path, this.runtime.url), {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /**
   * Registers services (16 at a time; a request the front door turns away with 429/503 is sent again
   * after a second) and waits until each registration has been applied to the cluster.
   */
  async register(names: string[]): Promise<void> {
    const queue = [...names];
    const registerOne = async (name: string) => {
      let accepted = await this.request<{ operationId: string }>('POST', '/v1/services', { name, image: `bench/${name}:1`, port: 8080, replicas: 1 });
      while (accepted.status === 429 || accepted.status === 503) {
        await new Promise((r) => setTimeout(r, 1_000));
        accepted = await this.request<{ operationId: string }>('POST', '/v1/services', { name, image: `bench/${name}:1`, port: 8080, replicas: 1 });
      }
      if (accepted.status !== 202) throw new Error(`registering ${name}: HTTP ${accepted.status}`);
      const op = await until(
        `registration of ${name}`,
        async () => {
          const answer = await this.request<{ status: string; reason?: string }>('GET', `/v1/operations/${accepted.body.operationId}`);
          // An overloaded runtime answers 503 with Retry-After: asked again at the next poll.
          return answer.status !== 200 || answer.body.status === 'pending' ? undefined : answer.body;
        },
        50,
        // A loaded machine (or a large storm's registrations) takes longer than one request's wait.
        600_000,
      );
      if (op.status !== 'succeeded') throw new Error(`registering ${name}: ${op.reason}`);
    };
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let name = queue.shift(); name !== undefined; name = queue.shift()) await registerOne(name);
      }),
    );
    // The intake decides on observed pods: observe them now rather than wait for the schedule.
    const probe = await runHealthProbe(this.runtime.app);
    if (probe.errors.length) throw new Error(`the health probe failed: ${probe.errors.slice(0, 3).join('; ')}`);
  }

  /** The service's audit trail; empty while the runtime turns reads away (429/503 under load): asked again at the next poll. */
  async events(service: string): Promise<AuditEvent[]> {
    const answer = await this.request<{ items: AuditEvent[] }>('GET', `/v1/services/${service}/events?limit=100`);
    return answer.status === 200 ? answer.body.items : [];
  }

  async decisionOf(service: string, signalId: string): Promise<AuditEvent> {
    return until(
      `the decision on ${signalId}`,
      async () => (await this.events(service)).find((e) => (e.data?.signal as { id?: string } | undefined)?.id === signalId),
      20,
    );
  }

  async restartedAt(service: string): Promise<string | undefined> {
    const deployment = await this.apps.readNamespacedDeployment({ name: workloadName(service, 'stable'), namespace: 'default' });
    return deployment.spec?.template.metadata?.annotations?.[ANNOTATIONS.restartedAt];
  }

  postAlarm(signal: Omit<HealthSignal, 'source'>): Promise<{ status: number; body: unknown }> {
    return this.request('POST', '/v1/alarms', signal);
  }

  /** Sends a signal to the health queue as the probe does (group: the service; deduplication id: the signal's, unless told). */
  async sendSignal(signal: HealthSignal, deduplicationId = envelopeIdFor(signal.id)): Promise<void> {
    const envelope: EventEnvelope = {
      id: envelopeIdFor(signal.id),
      type: 'health.alarm',
      service: signal.service,
      occurredAt: signal.observedAt,
      correlationId: signal.id,
      schemaVersion: SCHEMA_VERSION,
      payload: { signal },
    };
    const queue = this.runtime.queues.find((q) => q.definition.id === 'healthAlarms')!;
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: JSON.stringify(envelope),
        MessageGroupId: signal.service,
        MessageDeduplicationId: deduplicationId,
      }),
    );
  }
}

const alarm = (service: string, id: string, secondsAgo: number): HealthSignal => ({
  id,
  source: 'api',
  service,
  kind: 'unavailable',
  state: 'ALARM',
  observedAt: new Date(Date.now() - secondsAgo * 1_000).toISOString(),
  reason: 'benchmark',
});

/** One service per run: the first ALARM (waited for), then the confirming one, timed until the restart is in the cluster. */
async function alarmToRestart(bench: Bench, via: 'api' | 'sqs'): Promise<void> {
  const services = Array.from({ length: RUNS }, (_, i) => `restart-${via}-${String(i).padStart(3, '0')}`);
  await bench.register(services);
  const toCluster: number[] = [];
  const toDecision: number[] = [];
  for (const service of services) {
    const first = alarm(service, `${service}-1`, 2);
    const second = alarm(service, `${service}-2`, 1);
    if (via === 'api') await bench.postAlarm(first);
    else await bench.sendSignal(first);
    await bench.decisionOf(service, first.id);
    if ((await bench.restartedAt(service)) !== undefined) throw new Error(`${service} was restarted before its alarm was confirmed`);

    const sentAt = Date.now();
    const start = performance.now();
    if (via === 'api') {
      const answer = await bench.postAlarm(second);
      if (answer.status !== 202) throw new Error(`POST /v1/alarms: HTTP ${answer.status}`);
    } else {
      await bench.sendSignal(second);
    }
    await until(`the restart of ${service}`, () => bench.restartedAt(service));
    toCluster.push(performance.now() - start);
    const decision = await bench.decisionOf(service, second.id);
    if (decision.type !== 'RemediationApplied') throw new Error(`${service}: expected a restart, got ${decision.type}: ${decision.message}`);
    toDecision.push(Date.parse(decision.at) - sentAt);
  }
  console.log(
    JSON.stringify({
      bench: 'remediation',
      case: `alarmToRestart/${via}`,
      runs: RUNS,
      appliedInClusterMs: latencySummary(toCluster),
      decisionRecordedMs: latencySummary(toDecision),
    }),
  );
}

/**
 * The audit events the runtime commits, as `GET /v1/events/stream` pushes them (server-sent events):
 * one connection instead of polling every service's trail, so watching the storm costs the runtime
 * next to nothing. `until(predicate)` resolves with the events received once it holds.
 */
async function watchAuditStream(
  runtime: LocalRuntime,
): Promise<{ until(done: (events: AuditEvent[]) => boolean, timeoutMs: number): Promise<AuditEvent[]>; close(): void }> {
  const abort = new AbortController();
  const res = await fetch(new URL('/v1/events/stream', runtime.url), { signal: abort.signal });
  if (res.status !== 200 || !res.body) throw new Error(`GET /v1/events/stream: HTTP ${res.status}`);
  const events: AuditEvent[] = [];
  let failure: Error | undefined;
  let wake = () => undefined as void;
  void (async () => {
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
          const lines = buffered.slice(0, end).split('\n');
          buffered = buffered.slice(end + 2);
          const type = lines.find((l) => l.startsWith('event: '))?.slice(7);
          const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
          if (type === 'resync') failure = new Error('the event stream missed events (resync)');
          else if (type === 'audit' && data) events.push(JSON.parse(data) as AuditEvent);
        }
        wake();
      }
    } catch (err) {
      if (!abort.signal.aborted) failure = err as Error;
    }
    wake();
  })();
  return {
    until: (done, timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timed out waiting for the storm to be decided')), timeoutMs);
        wake = () => {
          if (failure) reject(failure);
          else if (done(events)) resolve(events);
          else return;
          clearTimeout(timer);
        };
        wake();
      }),
    close: () => abort.abort(),
  };
}

/**
 * The alarm storm: an ALARM pair over SQS for each of STORM_SERVICES services, all at once (each
 * service's pair in order: one message group). Decisions/s from the first send to the last decision
 * recorded in the audit trail, watched on the event stream.
 */
async function throughput(bench: Bench, runtime: LocalRuntime): Promise<void> {
  const services = Array.from({ length: STORM_SERVICES }, (_, i) => `storm-${String(i).padStart(4, '0')}`);
  await bench.register(services);
  const signals = services.flatMap((service) => [alarm(service, `${service}-1`, 2), alarm(service, `${service}-2`, 1)]);
  const wanted = new Set(signals.map((s) => s.id));
  const decisionOf = (e: AuditEvent) => {
    const id = (e.data?.signal as { id?: string } | undefined)?.id;
    return id && wanted.has(id) && (e.type === 'RemediationApplied' || e.type === 'RemediationSkipped') ? id : undefined;
  };
  const stream = await watchAuditStream(runtime);
  const cpuBefore = process.cpuUsage();
  const startedAt = Date.now();
  let decisions: AuditEvent[];
  try {
    await Promise.all(
      services.map(async (service) => {
        for (const signal of signals.filter((s) => s.service === service)) await bench.sendSignal(signal);
      }),
    );
    const sendSeconds = (Date.now() - startedAt) / 1_000;
    const seen = await stream.until(
      (events) => new Set(events.map(decisionOf).filter(Boolean)).size >= wanted.size,
      // At a hundredth of the target (a loaded machine) the storm still ends, with its figure.
      (signals.length / (TARGET_DECISIONS_PER_SECOND / 100)) * 1_000 + TIMEOUT_MS,
    );
    const first = new Map<string, AuditEvent>();
    for (const e of seen) {
      const id = decisionOf(e);
      if (id && !first.has(id)) first.set(id, e);
    }
    decisions = [...first.values()];
    const cpu = process.cpuUsage(cpuBefore);
    report(services.length, signals.length, decisions, startedAt, sendSeconds, (cpu.user + cpu.system) / 1_000);
  } finally {
    stream.close();
  }
}

function report(services: number, signals: number, decisions: AuditEvent[], startedAt: number, sendSeconds: number, cpuMs: number): void {
  const lastDecisionAt = Math.max(...decisions.map((d) => Date.parse(d.at)));
  const seconds = (lastDecisionAt - startedAt) / 1_000;
  const outcomes: Record<string, number> = {};
  for (const d of decisions) {
    const outcome = String(d.data?.noneReason ?? d.data?.decision);
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  }
  const decisionsPerSecond = round(decisions.length / seconds);
  console.log(
    JSON.stringify({
      bench: 'remediation',
      case: 'throughput',
      services,
      signals,
      decisions: decisions.length,
      actions: decisions.filter((d) => d.type === 'RemediationApplied').length,
      outcomes,
      sendSeconds: round(sendSeconds),
      seconds: round(seconds),
      decisionsPerSecond,
      target: TARGET_DECISIONS_PER_SECOND,
      met: decisionsPerSecond >= TARGET_DECISIONS_PER_SECOND,
      // CPU time of the whole runtime (every thread: handlers, emulators, simulated cluster) per decision,
      // from the first send to the last decision seen: what a decision costs, whatever else runs.
      cpuMsPerDecision: round(cpuMs / decisions.length),
      // The machine's 1-minute load average at the end: the figure depends on what else runs.
      loadAverage: round(loadavg()[0]),
    }),
  );
}

/** ALARM pairs over SQS for many services at once, 20% of the signals delivered twice; counts actions per signal. */
async function duplicateDelivery(bench: Bench): Promise<void> {
  const services = Array.from({ length: DUPLICATE_SERVICES }, (_, i) => `dup-${String(i).padStart(3, '0')}`);
  await bench.register(services);
  const random = mulberry32(20_240_601);
  const signals = services.flatMap((service) => [alarm(service, `${service}-1`, 2), alarm(service, `${service}-2`, 1)]);
  const duplicated = new Set(signals.filter(() => random() < DUPLICATE_SHARE).map((s) => s.id));
  const start = performance.now();
  await Promise.all(
    services.map(async (service) => {
      for (const signal of signals.filter((s) => s.service === service)) {
        await bench.sendSignal(signal);
        if (duplicated.has(signal.id)) await bench.sendSignal(signal, `${envelopeIdFor(signal.id)}-again`);
      }
    }),
  );
  // Every delivery leaves one decision in the audit trail: wait for all of them.
  const deliveries = signals.length + duplicated.size;
  const decisions = await until(
    'every delivery to be decided',
    async () => {
      const all = (await Promise.all(services.map((s) => bench.events(s))))
        .flat()
        .filter((e) => e.type === 'RemediationApplied' || e.type === 'RemediationSkipped');
      return all.length >= deliveries ? all : undefined;
    },
    250,
  );
  const elapsedMs = performance.now() - start;
  const actionsPerSignal = new Map<string, number>();
  const actionsPerService = new Map<string, number>();
  for (const d of decisions.filter((e) => e.type === 'RemediationApplied')) {
    const id = (d.data?.signal as { id: string }).id;
    actionsPerSignal.set(id, (actionsPerSignal.get(id) ?? 0) + 1);
    actionsPerService.set(d.service, (actionsPerService.get(d.service) ?? 0) + 1);
  }
  const duplicateActions = [...actionsPerSignal.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
  const servicesActedOnTwice = [...actionsPerService.values()].filter((n) => n > 1).length;
  const skippedAsDuplicate = decisions.filter((d) => d.data?.noneReason === 'duplicate').length;
  const outcomes: Record<string, number> = {};
  for (const d of decisions) {
    const outcome = String(d.data?.noneReason ?? d.data?.decision);
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  }
  console.log(
    JSON.stringify({
      bench: 'remediation',
      case: 'duplicateDelivery',
      services: services.length,
      signals: signals.length,
      duplicatedSignals: duplicated.size,
      deliveries,
      decisions: decisions.length,
      actions: [...actionsPerSignal.values()].reduce((a, b) => a + b, 0),
      duplicateActions,
      servicesActedOnTwice,
      skippedAsDuplicate,
      outcomes,
      decisionsPerSecond: round(decisions.length / (elapsedMs / 1_000)),
    }),
  );
  if (duplicateActions !== 0 || servicesActedOnTwice !== 0) process.exitCode = 1;
}

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= 'SILENT';
  // The probe would add its own signals; it is not what is measured here.
  const runtime = await startMeshplaneLocal({
    port: 0,
    timeFactor: 0.02,
    // Nodes large enough for a storm of 1,000 single-replica services (the default 9 × 4 cores hold ~300).
    sim: { readyDelayMs: 0, nodeCpuMillis: 64_000, nodeMemoryMiB: 262_144 },
    probePeriodSeconds: 86_400,
    // As `npm start` runs them: the emulators and the simulated cluster on threads of their own.
    emulators: 'thread',
    visibilityTimeoutSeconds: 30,
    remediationPolicy: BENCH_POLICY,
  });
  const bench = new Bench(runtime);
  try {
    const cases = new Set((process.env.BENCH_CASES ?? 'api,sqs,throughput,duplicates').split(','));
    if (cases.has('api')) await alarmToRestart(bench, 'api');
    if (cases.has('sqs')) await alarmToRestart(bench, 'sqs');
    if (cases.has('throughput')) await throughput(bench, runtime);
    if (cases.has('duplicates')) await duplicateDelivery(bench);
  } finally {
    bench.close();
    await runtime.stop();
  }
}

await main();

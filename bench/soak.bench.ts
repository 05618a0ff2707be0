/**
 * Soak on the local runtime (the Lambda handlers, dynalite, fauxqs, the simulated cluster): a burst of
 * N registrations sent CONCURRENCY at a time, M concurrent updates of one service during it, readers
 * reading all along, then an alarm storm (one ALARM per service over `POST /v1/alarms`). Prints JSON lines:
 *
 * - `soak.burst`: accepted, turnedAway (429 answers, retried after Retry-After), ended, stuck (still
 *   pending after the drain timeout), lost (accepted but its operation or service is gone), 5xx count,
 *   p50/p99 of read and write latency during the burst, time to drain (first request to last operation ended);
 * - `soak.alarms`: decisions, duplicate actions (more than one action for one signal), decisions/s.
 *
 *   npm run bench:soak -- --services 200
 *   npm run bench:soak                          (1,000 services)
 *
 * Targets (issue 12): 1,000 services, 0 stuck, 0 lost, 0 5xx, read p99 < 500 ms during the burst;
 * remediation ≥ 100 decisions/s.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startMeshplaneLocal } from '../cli/local-runtime.js';
import { quantile } from '../lib/health/robust-stats.js';
import { RemediationPolicy } from '../lib/health/remediation-policy.js';
import type { AuditEvent, OperationRecord } from '../lib/model/records.js';

const { values: args } = parseArgs({
  options: {
    services: { type: 'string', default: '1000' },
    updates: { type: 'string', default: '30' },
    alarms: { type: 'string' },
    concurrency: { type: 'string', default: '64' },
    readers: { type: 'string', default: '4' },
    'drain-timeout': { type: 'string', default: '600' },
  },
});
const SERVICES = Number(args.services);
const UPDATES = Number(args.updates);
const ALARMS = Math.min(SERVICES, Number(args.alarms ?? SERVICES));
const CONCURRENCY = Number(args.concurrency);
const READERS = Number(args.readers);
const DRAIN_TIMEOUT_MS = Number(args['drain-timeout']) * 1_000;

/** Budgets that do not get in the way: the storm measures deciding, not the policy's limits. */
const BENCH_POLICY = RemediationPolicy.parse({ globalRateLimit: { capacity: 10_000, refillPerHour: 10_000 } });

const round = (n: number) => Number(n.toFixed(1));
const summary = (xs: number[]) =>
  xs.length ? { n: xs.length, p50: round(quantile(xs, 0.5)), p99: round(quantile(xs, 0.99)), max: round(Math.max(...xs)) } : { n: 0 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const spec = (name: string, tag = '1.0.0') => ({ name, image: `registry.example.com/soak/${name}:${tag}`, port: 8080, replicas: 1 });

interface Answer {
  status: number;
  body: any;
  retryAfter?: string;
}

class Client {
  fiveXx = 0;
  networkErrors = 0;
  turnedAway = 0;
  readMs: number[] = [];
  writeMs: number[] = [];
  constructor(private readonly base: string) {}

  async request(method: string, path: string, body?: unknown): Promise<Answer> {
    const started = performance.now();
    const send = () =>
      fetch(`${this.base}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    // A keep-alive connection the server closed as it was reused: counted, and sent again once.
    const res = await send().catch(() => {
      this.networkErrors++;
      return send();
    });
    const text = await res.text();
    (method === 'GET' ? this.readMs : this.writeMs).push(performance.now() - started);
    if (res.status >= 500) this.fiveXx++;
    return { status: res.status, body: text ? JSON.parse(text) : undefined, retryAfter: res.headers.get('retry-after') ?? undefined };
  }

  /** A write, sent again after Retry-After while the runtime turns it away (429/503). */
  async write(method: string, path: string, body?: unknown): Promise<Answer> {
    for (;;) {
      const answer = await this.request(method, path, body);
      if ((answer.status !== 429 && answer.status !== 503) || !answer.retryAfter) return answer;
      this.turnedAway++;
      await sleep(Number(answer.retryAfter) * 1_000 * (0.5 + Math.random()));
    }
  }
}

/** Runs `work` over `items`, `limit` at a time. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= 'SILENT';
  const runtimeLog: string[] = [];
  const runtime = await startMeshplaneLocal({
    port: 0,
    sim: { readyDelayMs: 0 },
    probePeriodSeconds: 60,
    remediationPolicy: BENCH_POLICY,
    log: (m) => runtimeLog.push(m),
  });
  const client = new Client(runtime.url);
  try {
    const names = Array.from({ length: SERVICES }, (_, i) => `soak-${String(i).padStart(4, '0')}`);
    const accepted = new Map<string, string>(); // operation id → service
    const start = performance.now();
    let bursting = true;

    const readers = Array.from({ length: READERS }, async (_, r) => {
      for (let i = r; bursting; i++) {
        const path = i % 3 === 0 ? '/v1/services?limit=50' : `/v1/services/${names[i % Math.max(1, accepted.size)]}`;
        await client.request('GET', path);
      }
    });

    const register = pool(names, CONCURRENCY, async (name) => {
      const answer = await client.write('POST', '/v1/services', spec(name));
      if (answer.status === 202) accepted.set(answer.body.operationId, name);
      else if (answer.status < 500) console.error(`register ${name}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
    });
    // M concurrent updates of one service, once it is registered.
    const updates = (async () => {
      const target = names[0];
      for (;;) {
        const service = await client.request('GET', `/v1/services/${target}`);
        if (service.status === 200 && service.body.phase === 'active') break;
        await sleep(200);
      }
      await Promise.all(
        Array.from({ length: UPDATES }, async (_, i) => {
          const answer = await client.write('PUT', `/v1/services/${target}`, spec(target, `1.0.${i + 1}`));
          if (answer.status === 202) accepted.set(answer.body.operationId, target);
        }),
      );
    })();
    await Promise.all([register, updates]);
    const allSent = performance.now();

    // Drain: every accepted operation ends.
    const pending = new Set(accepted.keys());
    const ended = new Map<string, OperationRecord>();
    const lostOps: string[] = [];
    while (pending.size && performance.now() - start < DRAIN_TIMEOUT_MS) {
      await pool([...pending], 16, async (id) => {
        const answer = await client.request('GET', `/v1/operations/${id}`);
        if (answer.status === 404) {
          lostOps.push(id);
          pending.delete(id);
        } else if (answer.status === 200 && answer.body.status !== 'pending') {
          ended.set(id, answer.body);
          pending.delete(id);
        }
      });
      if (pending.size) await sleep(500);
      console.error(JSON.stringify({ progress: 'drain', seconds: round((performance.now() - start) / 1_000), accepted: accepted.size, pending: pending.size }));
    }
    const drained = performance.now();
    bursting = false;
    await Promise.all(readers);
    // Lost: registered successfully, but the service is not there.
    const registeredOk = [...ended.values()].filter((op) => op.kind === 'register' && op.status === 'succeeded').map((op) => op.service);
    let missing = 0;
    await pool(registeredOk, 16, async (name) => {
      if ((await client.request('GET', `/v1/services/${name}`)).status !== 200) missing++;
    });
    const failed = [...ended.values()].filter((op) => op.status === 'failed');
    const failureReasons: Record<string, number> = {};
    for (const op of failed) failureReasons[String(op.reason).slice(0, 80)] = (failureReasons[String(op.reason).slice(0, 80)] ?? 0) + 1;
    console.log(
      JSON.stringify({
        bench: 'soak.burst',
        services: SERVICES,
        updates: UPDATES,
        accepted: accepted.size,
        turnedAway: client.turnedAway,
        ended: ended.size,
        succeeded: ended.size - failed.length,
        failed: failed.length,
        failureReasons,
        stuck: pending.size,
        lost: lostOps.length + missing,
        fiveXx: client.fiveXx,
        networkErrors: client.networkErrors,
        readMs: summary(client.readMs),
        writeMs: summary(client.writeMs),
        sendSeconds: round((allSent - start) / 1_000),
        drainSeconds: round((drained - start) / 1_000),
      }),
    );

    // Alarm storm: one ALARM for each of the first ALARMS services that registered.
    const targets = registeredOk.slice(0, ALARMS);
    const storm = targets.map((service) => ({ id: `storm-${service}`, service, kind: 'unavailable', state: 'ALARM', reason: 'soak benchmark' }));
    const stormStart = performance.now();
    const fiveXxBefore = client.fiveXx;
    await pool(storm, CONCURRENCY, async (signal) => {
      const answer = await client.write('POST', '/v1/alarms', signal);
      if (answer.status !== 202) console.error(`alarm for ${signal.service}: HTTP ${answer.status}`);
    });
    const decided = new Map<string, AuditEvent[]>();
    const undecided = new Set(targets);
    let lastDecision = stormStart;
    while (undecided.size && performance.now() - stormStart < DRAIN_TIMEOUT_MS) {
      await pool([...undecided], 16, async (service) => {
        const events = (await runtime.app.store.listEvents(service, { limit: 50 })).items;
        const decisions = events.filter(
          (e) =>
            (e.type === 'RemediationApplied' || e.type === 'RemediationSkipped') && (e.data?.signal as { id?: string } | undefined)?.id === `storm-${service}`,
        );
        if (decisions.length) {
          decided.set(service, decisions);
          undecided.delete(service);
          lastDecision = Math.max(lastDecision, ...decisions.map((d) => Date.parse(d.at) - Date.now() + performance.now()));
        }
      });
      if (undecided.size) await sleep(250);
    }
    const applied = [...decided.values()].map((ds) => ds.filter((d) => d.type === 'RemediationApplied').length);
    console.log(
      JSON.stringify({
        bench: 'soak.alarms',
        alarms: storm.length,
        decisions: decided.size,
        undecided: undecided.size,
        actions: applied.reduce((a, b) => a + b, 0),
        duplicateActions: applied.reduce((a, n) => a + Math.max(0, n - 1), 0),
        fiveXx: client.fiveXx - fiveXxBefore,
        decisionsPerSecond: round(decided.size / ((lastDecision - stormStart) / 1_000)),
        seconds: round((lastDecision - stormStart) / 1_000),
      }),
    );
    if (runtimeLog.length) console.error(JSON.stringify({ runtimeLogLines: runtimeLog.length, first: runtimeLog.slice(0, 5) }));
  } finally {
    await runtime.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/**
 * Event throughput of the spine: API → SQS FIFO → handler → DynamoDB, all in one process on the local
 * runtime (dynalite, fauxqs, the simulated cluster), a fresh one per case. For 1, 4 and 16 concurrent clients, each client
 * registers its share of the services one after another, waiting for each operation to succeed (as
 * `meshplane services apply` does). Prints one JSON line per case:
 *
 * - eventsPerSecond: registrations that reached `succeeded`, per second of wall time;
 * - latencyMs p50/p99/max: from the `202 Accepted` to the operation observed `succeeded`;
 * - dynamodb: requests the control plane sent per registration (API and handler together), writes and
 *   reads apart, with the count per DynamoDB action. The aim is at most 2 writes per registration.
 *
 * DynamoDB requests are counted where the emulator receives them, by X-Amz-Target
 * (node:diagnostics_channel; no hook in the code under test). The benchmark polls operations with one
 * GetItem each, straight from the store; those polls are subtracted.
 *
 *   npm run bench:events                     # 200 registrations per case
 *   BENCH_REGISTRATIONS=64 npm run bench:events
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { startMeshplaneLocal } from '../cli/local-runtime.js';
import type { LocalRuntime } from '../lib/local/runtime.js';

const CLIENT_COUNTS = [1, 4, 16];
const REGISTRATIONS = Number(process.env.BENCH_REGISTRATIONS ?? 200);
const POLL_INTERVAL_MS = 10;
const OPERATION_TIMEOUT_MS = 120_000;
const AIM_WRITES_PER_REGISTRATION = 2;
const IDLE_SAMPLE_MS = 2_000;

const WRITE_ACTIONS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const READ_ACTIONS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

/**
 * Counts the DynamoDB requests the emulator receives on its endpoint, by action (X-Amz-Target), from
 * Node's `http.server.request.start` diagnostics channel: nothing in the code under test is hooked.
 * The benchmark's own status polls are requests too; they are tallied apart and taken off GetItem.
 */
class DynamoRequestCounter {
  private readonly counts = new Map<string, number>();
  private polls = 0;
  private readonly listener = (message: unknown) => {
    const { request, server } = message as { request: IncomingMessage; server: Server };
    if ((server.address() as AddressInfo | null)?.port !== this.port) return;
    const action =
      String(request.headers['x-amz-target'] ?? '')
        .split('.')
        .pop() || 'unknown';
    this.counts.set(action, (this.counts.get(action) ?? 0) + 1);
  };

  constructor(private readonly port: number) {
    subscribe('http.server.request.start', this.listener);
  }

  /** Notes one status poll: a single GetItem that is the benchmark's, not the control plane's. */
  countPoll(): void {
    this.polls += 1;
  }

  reset(): void {
    this.counts.clear();
    this.polls = 0;
  }

  snapshot(): { writes: number; reads: number; polls: number; byAction: Record<string, number> } {
    const counts = new Map(this.counts);
    counts.set('GetItem', (counts.get('GetItem') ?? 0) - this.polls);
    if (counts.get('GetItem') === 0) counts.delete('GetItem');
    const byAction = Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));
    const sum = (set: Set<string>) => [...counts].filter(([a]) => set.has(a)).reduce((n, [, c]) => n + c, 0);
    return { writes: sum(WRITE_ACTIONS), reads: sum(READ_ACTIONS), polls: this.polls, byAction };
  }

  close(): void {
    unsubscribe('http.server.request.start', this.listener);
  }
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const round = (n: number, digits = 2) => Number(n.toFixed(digits));

async function register(url: string, name: string): Promise<string> {
  const res = await fetch(`${url}/v1/services`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // No replicas: the simulated cluster gets every object but schedules no pods, so the figures are
    // the spine's and not the simulator's.
    body: JSON.stringify({ name, image: `registry.example.com/bench/${name}:1.0.0`, port: 8080, replicas: 0 }),
  });
  const body = (await res.json()) as { operationId?: string; error?: { message: string } };
  if (res.status !== 202 || !body.operationId) throw new Error(`registering ${name}: HTTP ${res.status} ${body.error?.message ?? ''}`);
  return body.operationId;
}

async function untilSucceeded(runtime: LocalRuntime, counter: DynamoRequestCounter, operationId: string): Promise<void> {
  const deadline = performance.now() + OPERATION_TIMEOUT_MS;
  for (;;) {
    counter.countPoll();
    const op = await runtime.app.store.getOperation(operationId);
    if (op?.status === 'succeeded') return;
    if (op?.status === 'failed') throw new Error(`operation ${operationId} failed: ${op.reason}`);
    if (performance.now() > deadline) throw new Error(`operation ${operationId} still pending after ${OPERATION_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

async function runCase(runtime: LocalRuntime, counter: DynamoRequestCounter, clients: number): Promise<Record<string, unknown>> {
  const perClient = Math.ceil(REGISTRATIONS / clients);
  const latencies: number[] = [];
  counter.reset();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; i < perClient; i++) {
        const operationId = await register(runtime.url, `bench-c${clients}-${c}-${i}`);
        const accepted = performance.now();
        await untilSucceeded(runtime, counter, operationId);
        latencies.push(performance.now() - accepted);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const requests = counter.snapshot();
  const total = latencies.length;
  latencies.sort((a, b) => a - b);
  return {
    bench: 'events',
    case: `register-${clients}-clients`,
    clients,
    registrations: total,
    seconds: round(seconds),
    eventsPerSecond: round(total / seconds, 1),
    latencyMs: { p50: round(percentile(latencies, 50), 1), p99: round(percentile(latencies, 99), 1), max: round(latencies[total - 1], 1) },
    dynamodb: {
      writesPerRegistration: round(requests.writes / total),
      readsPerRegistration: round(requests.reads / total),
      statusPollsNotCounted: requests.polls,
      requestsByAction: requests.byAction,
    },
    aimWritesPerRegistration: AIM_WRITES_PER_REGISTRATION,
    withinAim: requests.writes / total <= AIM_WRITES_PER_REGISTRATION,
  };
}

/** One case on a fresh runtime, so every case starts from an empty table and cluster. */
async function measure(clients: number): Promise<Record<string, unknown>> {
  const runtime = await startMeshplaneLocal({ port: 0 });
  const endpoint = runtime.app.config.endpoints?.dynamodb ?? runtime.app.config.endpoint;
  if (!endpoint) throw new Error('the local runtime has no DynamoDB endpoint to count requests on');
  const counter = new DynamoRequestCounter(Number(new URL(endpoint).port));
  try {
    // Warm-up: JIT, connection pools, the simulated cluster's first objects.
    for (let i = 0; i < 3; i++) await untilSucceeded(runtime, counter, await register(runtime.url, `bench-warmup-${i}`));
    // Background traffic (scheduled handlers) with no registration going on, to read the figures against.
    counter.reset();
    await new Promise((resolve) => setTimeout(resolve, IDLE_SAMPLE_MS));
    const idle = counter.snapshot();
    const result = await runCase(runtime, counter, clients);
    return { ...result, idleDynamodbRequestsPerSecond: round(((idle.reads + idle.writes) * 1000) / IDLE_SAMPLE_MS, 1) };
  } finally {
    counter.close();
    await runtime.stop();
  }
}

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= 'SILENT';
  for (const clients of CLIENT_COUNTS) console.log(JSON.stringify(await measure(clients)));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

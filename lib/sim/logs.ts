/**
 * Synthetic container logs for `kubectl logs`: each container's log tells its life as the simulation
 * saw it. A start writes the image's start-up lines; every 10 s of simulated time a ready pod writes a
 * summary of the requests the traffic model sent it (its share of its workload's), with ERROR lines when
 * some were answered 5xx and for calls to dependencies that failed; a crash-looping container writes a
 * crash (stack trace, exit code) per restart, and `--previous` shows the last one. Lines carry wall-clock
 * timestamps. Logs live in memory (1000 lines per container) and go with their pod.
 */
import type { ObjectStore, StoreChange } from './object-store.js';
import { isPodReady } from './pod-model.js';
import { deploymentOwnerResolver } from './replicasets.js';
import { resourceType, typeKey } from './resource-types.js';
import type { KubeObj } from './sim-types.js';
import { LATENCY_BUCKETS_MS, type WorkloadTraffic } from './traffic-model.js';

type Obj = Record<string, any>;

const PODS = resourceType('pods');
const DEPLOYMENTS = resourceType('deployments', 'apps');
const PODS_KEY = typeKey(PODS);
const MAX_LINES = 1000;
/** Simulated time between two traffic summaries of a pod. */
export const SUMMARY_INTERVAL_MS = 10_000;

/** One log line: when (wall clock, ms) and what. */
export interface LogLine {
  at: number;
  text: string;
}

/** What `GET …/pods/<name>/log` asks for. */
export interface LogQuery {
  previous?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  timestamps?: boolean;
  limitBytes?: number;
}

interface ContainerLog {
  current: LogLine[];
  previous: LogLine[] | undefined;
  listeners: Set<(line: LogLine) => void>;
}

/** RFC 3339 with nanoseconds, as the kubelet prefixes lines with `timestamps=true`. */
function nanoStamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}000000Z`;
}

/** Selects and formats lines for a query (pure). */
export function renderLog(lines: readonly LogLine[], query: LogQuery, now: number): string {
  let selected = [...lines];
  const since = query.sinceTime ? Date.parse(query.sinceTime) : query.sinceSeconds !== undefined ? now - query.sinceSeconds * 1000 : undefined;
  if (since !== undefined && Number.isFinite(since)) selected = selected.filter((l) => l.at >= since);
  if (query.tailLines !== undefined) selected = query.tailLines > 0 ? selected.slice(-query.tailLines) : [];
  let text = selected.map((l) => formatLine(l, query.timestamps)).join('');
  if (query.limitBytes !== undefined) text = Buffer.from(text).subarray(0, query.limitBytes).toString('utf8');
  return text;
}

export function formatLine(line: LogLine, timestamps = false): string {
  return `${timestamps ? `${nanoStamp(line.at)} ` : ''}${line.text}\n`;
}

/** The log lines of every container of every pod. */
export class LogBook {
  private readonly logs = new Map<string, ContainerLog>();
  private readonly lastSummaryAt = new Map<string, number>();
  private lastScanAt = -Infinity;
  private unsubscribe: (() => void) | undefined;

  /** @param wallNow wall-clock time for the lines' timestamps */
  constructor(
    private readonly store: ObjectStore,
    private readonly wallNow: () => number = Date.now,
  ) {}

  /** Starts writing start-up and crash lines from pod changes. */
  start(): void {
    this.unsubscribe ??= this.store.onAnyChange((change) => this.onChange(change));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** The lines of a container; undefined when it has none (never started). */
  lines(podUid: string, container: string, previous = false): LogLine[] | undefined {
    const log = this.logs.get(`${podUid}/${container}`);
    return previous ? log?.previous : log?.current;
  }

  /** Calls `listener` with every line the container writes from now on; returns the unsubscribe function. */
  follow(podUid: string, container: string, listener: (line: LogLine) => void): () => void {
    const log = this.log(`${podUid}/${container}`);
    log.listeners.add(listener);
    return () => log.listeners.delete(listener);
  }

  /**
   * Writes, every SUMMARY_INTERVAL_MS of simulated time, each ready pod's share of the traffic its
   * workload served and called (the traffic model's rates at `simNow`).
   */
  recordTraffic(simNow: number, traffic: readonly WorkloadTraffic[]): void {
    // Summaries are 10 s apart: looking once per simulated second is enough.
    if (simNow - this.lastScanAt < 1_000) return;
    this.lastScanAt = simNow;
    const byWorkload = new Map(traffic.map((t) => [`${t.namespace}/${t.name}`, t]));
    const ownerOf = deploymentOwnerResolver(this.store);
    const deployments = new Map(this.store.scan(DEPLOYMENTS).map((d) => [d.metadata.uid as string, `${d.metadata.namespace}/${d.metadata.name}`]));
    const readyPods = new Map<string, Readonly<KubeObj>[]>();
    for (const pod of this.store.scan(PODS)) {
      const owner = ownerOf(pod);
      const workload = owner ? deployments.get(owner) : undefined;
      if (workload && isPodReady(pod as KubeObj)) readyPods.set(workload, [...(readyPods.get(workload) ?? []), pod]);
    }
    for (const [workload, pods] of readyPods) {
      const t = byWorkload.get(workload);
      for (const pod of pods) {
        const uid = pod.metadata.uid as string;
        const last = this.lastSummaryAt.get(uid);
        if (last === undefined) {
          this.lastSummaryAt.set(uid, simNow);
          continue;
        }
        if (simNow - last < SUMMARY_INTERVAL_MS) continue;
        this.lastSummaryAt.set(uid, simNow);
        if (t) this.summarize(pod, t, pods.length, (simNow - last) / 1000);
      }
    }
  }

  private summarize(pod: Readonly<KubeObj>, t: WorkloadTraffic, share: number, seconds: number): void {
    const container = (((pod.spec as Obj).containers ?? []) as Obj[])[0]?.name as string | undefined;
    if (!container) return;
    const requests = Math.round((t.rps * seconds) / share);
    const errors = Math.round(requests * t.errorRate);
    const p99 = p99FromCdf(t.latencyCdf);
    const key = `${pod.metadata.uid}/${container}`;
    this.append(key, `INFO  served ${requests} requests in the last ${Math.round(seconds)}s (${requests - errors} ok, ${errors} failed, p99 ${p99})`);
    if (errors > 0)
      this.append(key, `ERROR ${errors} requests answered 503 Service Unavailable: upstream request failed (error rate ${(t.errorRate * 100).toFixed(1)}%)`);
    for (const call of t.calls) {
      const sent = Math.round((call.rps * seconds) / share);
      const failed = Math.round(sent * call.errorRate);
      if (sent === 0) continue;
      if (failed > 0) this.append(key, `WARN  calls to ${call.service}: ${failed} of ${sent} failed with 503`);
      else this.append(key, `INFO  calls to ${call.service}: ${sent} ok`);
    }
  }

  private onChange(change: StoreChange): void {
    if (change.typeKey !== PODS_KEY) return;
    const pod = change.object;
    const uid = pod.metadata.uid as string;
    if (change.type === 'DELETED') {
      for (const [key, log] of this.logs)
        if (key.startsWith(`${uid}/`)) {
          if (log.listeners.size === 0) this.logs.delete(key);
          else this.append(key, 'INFO  received SIGTERM, shutting down');
        }
      this.lastSummaryAt.delete(uid);
      return;
    }
    const before = new Map((((change.previous?.status as Obj | undefined)?.containerStatuses ?? []) as Obj[]).map((c) => [c.name, c]));
    for (const c of ((pod.status as Obj | undefined)?.containerStatuses ?? []) as Obj[]) {
      const prior = before.get(c.name);
      const key = `${uid}/${c.name}`;
      if (c.state?.running && !prior?.state?.running) this.startLines(key, c.image, pod);
      if ((c.restartCount ?? 0) > (prior?.restartCount ?? 0) && c.state?.waiting?.reason === 'CrashLoopBackOff') this.crash(key, c.image, c.restartCount);
    }
  }

  private startLines(key: string, image: string, pod: Readonly<KubeObj>): void {
    const port = (((pod.spec as Obj).containers ?? []) as Obj[]).flatMap((c) => c.ports ?? [])[0]?.containerPort ?? 8080;
    this.append(key, `INFO  starting ${image}`);
    this.append(key, `INFO  configuration loaded (pod ${pod.metadata.name}, namespace ${pod.metadata.namespace})`);
    this.append(key, `INFO  listening on :${port}`);
    this.append(key, 'INFO  readiness: ok');
  }

  /** One crashed run of a container: its lines become `--previous`, and the new run starts empty. */
  private crash(key: string, image: string, restartCount: number): void {
    const log = this.log(key);
    const at = this.wallNow();
    const run = [
      `INFO  starting ${image}`,
      'INFO  configuration loaded',
      'ERROR failed to initialise: connection to dependency refused',
      'panic: runtime error: invalid memory address or nil pointer dereference',
      '[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a3f2c]',
      '',
      'goroutine 1 [running]:',
      'main.main()',
      '\t/app/main.go:42 +0x1c',
      `exit status 1 (restart ${restartCount})`,
    ].map((text) => ({ at, text }));
    log.previous = run;
    log.current = [...run];
    for (const line of run) for (const listener of log.listeners) listener(line);
  }

  private log(key: string): ContainerLog {
    let log = this.logs.get(key);
    if (!log) {
      log = { current: [], previous: undefined, listeners: new Set() };
      this.logs.set(key, log);
    }
    return log;
  }

  private append(key: string, text: string): void {
    const log = this.log(key);
    const line = { at: this.wallNow(), text };
    log.current.push(line);
    if (log.current.length > MAX_LINES) log.current.splice(0, log.current.length - MAX_LINES);
    for (const listener of log.listeners) listener(line);
  }
}

/** The p99 latency a latency CDF (over the Istio buckets) implies, as text. */
function p99FromCdf(cdf: readonly number[]): string {
  const i = cdf.findIndex((v) => v >= 0.99);
  return i < 0 || LATENCY_BUCKETS_MS[i] === undefined ? `>${LATENCY_BUCKETS_MS.at(-1)}ms` : `≤${LATENCY_BUCKETS_MS[i]}ms`;
}

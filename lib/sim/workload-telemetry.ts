/**
 * Istio standard metrics of every workload, advanced from the traffic model on each tick and exposed
 * as labelled series (`istio_requests_total` per response code, `istio_request_duration_milliseconds_bucket`
 * per `le`) for the PromQL evaluator. Counts are expected values, so results are deterministic.
 *
 * Served requests are reported by the destination (`reporter="destination"`); calls between workloads
 * are also reported by the caller (`reporter="source"`), with source and destination labels, so per-edge
 * call rates, errors and latency can be read. The caller-side latency histogram is derived, not stored:
 * the model has no network latency, so an edge's calls take the called workload's latency, and the
 * edge's bucket counts over a window are its calls times the called workload's bucket shares over that
 * window (exact while the edge's share of the workload's traffic holds steady over the window).
 */
import { CounterHistory } from './counter-history.js';
import { INGRESS_GATEWAY_WORKLOAD } from './edge-traffic.js';
import { LATENCY_BUCKETS_MS, type WorkloadTraffic } from './traffic-model.js';

/** One labelled counter series. */
export interface CounterSeries {
  labels: Record<string, string>;
  /** Counter value at time t (ms). */
  valueAt(t: number): number;
  /** Increase between two times (ms), for a series derived from others; `valueAt(to) - valueAt(from)` when absent. */
  increase?(from: number, to: number): number;
}

const OK = 0;
const ERRORS = 1;
const FIRST_BUCKET = 2;
const COLUMNS = FIRST_BUCKET + LATENCY_BUCKETS_MS.length;

interface Entry {
  namespace: string;
  name: string;
  service: string;
  history: CounterHistory;
}

/** Calls from one workload to another: columns OK and ERRORS. */
interface Edge {
  from: { namespace: string; name: string; service: string };
  to: { namespace: string; name: string; service: string };
  history: CounterHistory;
}

export class WorkloadTelemetry {
  private readonly workloads = new Map<string, Entry>();
  private readonly edges = new Map<string, Edge>();
  /**
   * The last series() answer, kept until the next advance or until a workload or edge comes or goes: a
   * Prometheus query per service (the health probe's) no longer rebuilds every series of every workload.
   */
  private cached: CounterSeries[] | undefined;

  constructor(
    private readonly resolutionMs = 2_000,
    private readonly retentionMs = 3_600_000,
  ) {}

  /**
   * Counts `dtSeconds` of traffic ending at `now`. Workloads missing from `traffic` stop existing
   * (their Deployment is gone); new ones start at zero.
   */
  advance(now: number, dtSeconds: number, traffic: readonly WorkloadTraffic[]): void {
    this.cached = undefined;
    const seen = new Set<string>();
    const deltas = new Float64Array(COLUMNS);
    for (const t of traffic) {
      const key = `${t.namespace}/${t.name}`;
      seen.add(key);
      let entry = this.workloads.get(key);
      if (!entry) {
        entry = { namespace: t.namespace, name: t.name, service: t.service, history: new CounterHistory(COLUMNS, now, this.resolutionMs, this.retentionMs) };
        this.workloads.set(key, entry);
        this.cached = undefined;
        continue;
      }
      const requests = t.rps * Math.max(0, dtSeconds);
      deltas[OK] = requests * (1 - t.errorRate);
      deltas[ERRORS] = requests * t.errorRate;
      t.latencyCdf.forEach((fraction, i) => (deltas[FIRST_BUCKET + i] = requests * fraction));
      entry.history.add(now, deltas);
    }
    for (const key of this.workloads.keys())
      if (!seen.has(key)) {
        this.workloads.delete(key);
        this.cached = undefined;
      }
    this.advanceEdges(now, dtSeconds, traffic);
  }

  /** Counts caller-side calls; an edge lives as long as both of its workloads do. */
  private advanceEdges(now: number, dtSeconds: number, traffic: readonly WorkloadTraffic[]): void {
    const counted = new Set<string>();
    const deltas = new Float64Array(2);
    // The ingress gateway's proxy reports the edge requests it sends into a Gateway-exposed service.
    const gatewayCalls = traffic.flatMap((t) =>
      t.edge?.via === 'Gateway' && t.edge.rps > 0
        ? [{ caller: INGRESS_GATEWAY_WORKLOAD, calls: [{ namespace: t.namespace, name: t.name, service: t.service, rps: t.edge.rps, errorRate: t.errorRate }] }]
        : [],
    );
    for (const t of [...traffic.map((w) => ({ caller: w as Pick<WorkloadTraffic, 'namespace' | 'name' | 'service'>, calls: w.calls })), ...gatewayCalls]) {
      for (const call of t.calls) {
        const key = `${t.caller.namespace}/${t.caller.name}>${call.namespace}/${call.name}`;
        counted.add(key);
        const edge = this.edges.get(key);
        if (!edge) {
          const from = { namespace: t.caller.namespace, name: t.caller.name, service: t.caller.service };
          const to = { namespace: call.namespace, name: call.name, service: call.service };
          this.edges.set(key, { from, to, history: new CounterHistory(2, now, this.resolutionMs, this.retentionMs) });
          this.cached = undefined;
          continue;
        }
        const requests = call.rps * Math.max(0, dtSeconds);
        deltas[OK] = requests * (1 - call.errorRate);
        deltas[ERRORS] = requests * call.errorRate;
        edge.history.add(now, deltas);
      }
    }
    for (const [key, edge] of this.edges) {
      if (counted.has(key)) continue;
      const alive = this.workloads.has(`${edge.from.namespace}/${edge.from.name}`) && this.workloads.has(`${edge.to.namespace}/${edge.to.name}`);
      if (alive) edge.history.touch(now);
      else {
        this.edges.delete(key);
        this.cached = undefined;
      }
    }
  }

  /** Every series of every workload (the same array until a workload or edge comes or goes: do not change it). */
  series(): CounterSeries[] {
    return (this.cached ??= this.buildSeries());
  }

  private buildSeries(): CounterSeries[] {
    const out: CounterSeries[] = [];
    for (const w of this.workloads.values()) {
      const base = {
        reporter: 'destination',
        destination_workload: w.name,
        destination_workload_namespace: w.namespace,
        destination_service_name: w.service,
        destination_canonical_service: w.service,
        destination_service: `${w.service}.${w.namespace}.svc.cluster.local`,
      };
      const h = w.history;
      out.push({ labels: { __name__: 'istio_requests_total', ...base, response_code: '200' }, valueAt: (t) => h.valueAt(OK, t) });
      out.push({ labels: { __name__: 'istio_requests_total', ...base, response_code: '503' }, valueAt: (t) => h.valueAt(ERRORS, t) });
      LATENCY_BUCKETS_MS.forEach((le, i) =>
        out.push({
          labels: { __name__: 'istio_request_duration_milliseconds_bucket', ...base, le: String(le) },
          valueAt: (t) => h.valueAt(FIRST_BUCKET + i, t),
        }),
      );
      out.push({
        labels: { __name__: 'istio_request_duration_milliseconds_bucket', ...base, le: '+Inf' },
        valueAt: (t) => h.valueAt(OK, t) + h.valueAt(ERRORS, t),
      });
    }
    for (const { from, to, history: h } of this.edges.values()) {
      const labels = {
        __name__: 'istio_requests_total',
        reporter: 'source',
        source_workload: from.name,
        source_workload_namespace: from.namespace,
        source_canonical_service: from.service,
        destination_workload: to.name,
        destination_workload_namespace: to.namespace,
        destination_service_name: to.service,
        destination_canonical_service: to.service,
        destination_service: `${to.service}.${to.namespace}.svc.cluster.local`,
      };
      out.push({ labels: { ...labels, response_code: '200' }, valueAt: (t) => h.valueAt(OK, t) });
      out.push({ labels: { ...labels, response_code: '503' }, valueAt: (t) => h.valueAt(ERRORS, t) });
      const callee = this.workloads.get(`${to.namespace}/${to.name}`)?.history;
      if (callee) out.push(...edgeLatencySeries(labels, h, callee));
    }
    return out;
  }
}

/** The caller-side `istio_request_duration_milliseconds_bucket` series of one edge, derived from the called workload's. */
function edgeLatencySeries(labels: Record<string, string>, edge: CounterHistory, callee: CounterHistory): CounterSeries[] {
  const calls = (t: number) => edge.valueAt(OK, t) + edge.valueAt(ERRORS, t);
  const served = (t: number) => callee.valueAt(OK, t) + callee.valueAt(ERRORS, t);
  // A query asks every bucket for the same window: the edge's calls per served request are worked out once for it.
  let window = { from: NaN, to: NaN, callsPerServed: 0 };
  const callsPerServed = (from: number, to: number) => {
    if (window.from !== from || window.to !== to) {
      const total = served(to) - served(from);
      window = { from, to, callsPerServed: total > 0 ? (calls(to) - calls(from)) / total : 0 };
    }
    return window.callsPerServed;
  };
  const bucket = (i: number): CounterSeries => ({
    labels: { ...labels, __name__: 'istio_request_duration_milliseconds_bucket', le: String(LATENCY_BUCKETS_MS[i]) },
    valueAt: (t) => (served(t) > 0 ? (calls(t) * callee.valueAt(FIRST_BUCKET + i, t)) / served(t) : 0),
    increase: (from, to) => callsPerServed(from, to) * (callee.valueAt(FIRST_BUCKET + i, to) - callee.valueAt(FIRST_BUCKET + i, from)),
  });
  return [
    ...LATENCY_BUCKETS_MS.map((_, i) => bucket(i)),
    { labels: { ...labels, __name__: 'istio_request_duration_milliseconds_bucket', le: '+Inf' }, valueAt: calls },
  ];
}

/**
 * Istio standard metrics of every workload, advanced from the traffic model on each tick and exposed
 * as labelled series (`istio_requests_total` per response code, `istio_request_duration_milliseconds_bucket`
 * per `le`) for the PromQL evaluator. Counts are expected values, so results are deterministic.
 */
import { CounterHistory } from './counter-history.js';
import { LATENCY_BUCKETS_MS, type WorkloadTraffic } from './traffic-model.js';

/** One labelled counter series. */
export interface CounterSeries {
  labels: Record<string, string>;
  /** Counter value at time t (ms). */
  valueAt(t: number): number;
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

export class WorkloadTelemetry {
  private readonly workloads = new Map<string, Entry>();

  constructor(
    private readonly resolutionMs = 2_000,
    private readonly retentionMs = 3_600_000,
  ) {}

  /**
   * Counts `dtSeconds` of traffic ending at `now`. Workloads missing from `traffic` stop existing
   * (their Deployment is gone); new ones start at zero.
   */
  advance(now: number, dtSeconds: number, traffic: readonly WorkloadTraffic[]): void {
    const seen = new Set<string>();
    const deltas = new Float64Array(COLUMNS);
    for (const t of traffic) {
      const key = `${t.namespace}/${t.name}`;
      seen.add(key);
      let entry = this.workloads.get(key);
      if (!entry) {
        entry = { namespace: t.namespace, name: t.name, service: t.service, history: new CounterHistory(COLUMNS, now, this.resolutionMs, this.retentionMs) };
        this.workloads.set(key, entry);
        continue;
      }
      const requests = t.rps * Math.max(0, dtSeconds);
      deltas[OK] = requests * (1 - t.errorRate);
      deltas[ERRORS] = requests * t.errorRate;
      t.latencyCdf.forEach((fraction, i) => (deltas[FIRST_BUCKET + i] = requests * fraction));
      entry.history.add(now, deltas);
    }
    for (const key of this.workloads.keys()) if (!seen.has(key)) this.workloads.delete(key);
  }

  /** Every series of every workload. */
  series(): CounterSeries[] {
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
        out.push({ labels: { __name__: 'istio_request_duration_milliseconds_bucket', ...base, le: String(le) }, valueAt: (t) => h.valueAt(FIRST_BUCKET + i, t) }),
      );
      out.push({
        labels: { __name__: 'istio_request_duration_milliseconds_bucket', ...base, le: '+Inf' },
        valueAt: (t) => h.valueAt(OK, t) + h.valueAt(ERRORS, t),
      });
    }
    return out;
  }
}

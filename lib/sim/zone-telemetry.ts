/**
 * Calls between zones as counters (`sim_zone_requests_total`, reported by the caller), advanced from
 * zone-traffic.ts on each tick, and the last tick's rates for the `/sim/traffic` summary. Istio's
 * standard metrics carry no zones; on a real cluster the same figure comes from Envoy's per-zone
 * upstream stats or a Telemetry tag, which is why this is a metric of its own.
 */
import { CounterHistory } from './counter-history.js';
import { crossZoneShare, type ZoneFlow, type ZoneTraffic } from './zone-traffic.js';
import type { CounterSeries } from './workload-telemetry.js';

export const ZONE_REQUESTS_METRIC = 'sim_zone_requests_total';

interface Entry {
  flow: Omit<ZoneFlow, 'rps'>;
  history: CounterHistory;
}

/** What `/sim/traffic` answers: the rates of the last tick. */
export interface ZoneTrafficSummary {
  /** Calls per second between mesh workloads. */
  rps: number;
  /** Of those, between different zones. */
  crossZoneRps: number;
  crossZoneShare: number;
  /** Calls per second that found no endpoint (a distribute policy naming only zones without ready pods). */
  unroutedRps: number;
  /** Per called service. */
  services: { namespace: string; service: string; rps: number; crossZoneShare: number }[];
  /** Per pair of zones. */
  zones: { from: string; to: string; rps: number }[];
}

export class ZoneTelemetry {
  private readonly entries = new Map<string, Entry>();
  private last: ZoneTraffic = { flows: [], unroutedRps: 0 };
  /** The last series() answer, kept until a flow comes or goes (as WorkloadTelemetry keeps its own). */
  private cached: CounterSeries[] | undefined;

  constructor(
    private readonly resolutionMs = 2_000,
    private readonly retentionMs = 3_600_000,
  ) {}

  /** Counts `dtSeconds` of `traffic` ending at `now`; flows that stopped keep their counts while both workloads live. */
  advance(now: number, dtSeconds: number, traffic: ZoneTraffic, liveWorkloads: ReadonlySet<string>): void {
    this.last = traffic;
    const counted = new Set<string>();
    const delta = new Float64Array(1);
    for (const f of traffic.flows) {
      const k = `${f.from.namespace}/${f.from.name}@${f.fromZone}>${f.to.namespace}/${f.to.name}@${f.toZone}`;
      counted.add(k);
      const entry = this.entries.get(k);
      if (!entry) {
        const { rps: _rps, ...flow } = f;
        this.entries.set(k, { flow, history: new CounterHistory(1, now, this.resolutionMs, this.retentionMs) });
        this.cached = undefined;
        continue;
      }
      delta[0] = f.rps * Math.max(0, dtSeconds);
      entry.history.add(now, delta);
    }
    for (const [k, e] of this.entries) {
      if (counted.has(k)) continue;
      const alive = liveWorkloads.has(`${e.flow.from.namespace}/${e.flow.from.name}`) && liveWorkloads.has(`${e.flow.to.namespace}/${e.flow.to.name}`);
      if (alive) e.history.touch(now);
      else {
        this.entries.delete(k);
        this.cached = undefined;
      }
    }
  }

  /** Every flow's series (the same array until a flow comes or goes: do not change it). */
  series(): CounterSeries[] {
    return (this.cached ??= this.buildSeries());
  }

  private buildSeries(): CounterSeries[] {
    return [...this.entries.values()].map(({ flow, history }) => ({
      labels: {
        __name__: ZONE_REQUESTS_METRIC,
        reporter: 'source',
        source_workload: flow.from.name,
        source_workload_namespace: flow.from.namespace,
        source_canonical_service: flow.from.service,
        source_zone: flow.fromZone,
        destination_workload: flow.to.name,
        destination_workload_namespace: flow.to.namespace,
        destination_canonical_service: flow.to.service,
        destination_zone: flow.toZone,
      },
      valueAt: (t: number) => history.valueAt(0, t),
    }));
  }

  summary(): ZoneTrafficSummary {
    const { flows, unroutedRps } = this.last;
    const rps = flows.reduce((n, f) => n + f.rps, 0);
    const byService = new Map<string, ZoneFlow[]>();
    for (const f of flows) {
      const k = `${f.to.namespace}/${f.to.service}`;
      byService.set(k, [...(byService.get(k) ?? []), f]);
    }
    const byZones = new Map<string, number>();
    for (const f of flows) byZones.set(`${f.fromZone}>${f.toZone}`, (byZones.get(`${f.fromZone}>${f.toZone}`) ?? 0) + f.rps);
    return {
      rps,
      crossZoneRps: flows.filter((f) => f.fromZone !== f.toZone).reduce((n, f) => n + f.rps, 0),
      crossZoneShare: crossZoneShare(flows),
      unroutedRps,
      services: [...byService]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, fs]) => {
          const [namespace, service] = k.split('/');
          return { namespace, service, rps: fs.reduce((n, f) => n + f.rps, 0), crossZoneShare: crossZoneShare(fs) };
        }),
      zones: [...byZones]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, r]) => {
          const [from, to] = k.split('>');
          return { from, to, rps: r };
        }),
    };
  }
}

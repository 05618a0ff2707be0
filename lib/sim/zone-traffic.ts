/**
 * Where calls go by zone (pure): the traffic model (traffic-model.ts) decides how much each workload
 * sends to each called workload; this spreads those calls over the callee's ready pods the way Istio's
 * sidecars would, from the caller pods' zones, so the cross-zone share is measured rather than assumed.
 *
 * Which policy applies to calls to a service, in Istio's order of precedence (1.25+):
 * 1. its DestinationRule's `localityLbSetting`: `enabled: false` → uniform; `distribute` → the entry whose
 *    `from` matches the caller's locality (no entry: uniform); otherwise failover when the rule has
 *    `outlierDetection` (Istio fails over only with it), else uniform;
 * 2. its Service's `trafficDistribution` `PreferClose` / `PreferSameZone` → failover;
 * 3. the mesh default (`meshLocalityLb`, Istio's `meshConfig.localityLbSetting.enabled`, on unless an
 *    install turns it off) → failover when the rule has `outlierDetection`, else uniform.
 *
 * - uniform: over the callee's ready pods alike, every zone;
 * - failover: the pods in the caller's zone; none there → those in other zones of its region; none
 *   there → anywhere (Envoy priorities; every ready pod is a healthy endpoint, so a priority with pods
 *   takes all). `failoverPriority` is read as region then zone, whatever labels it lists;
 * - distribute: each `to` locality gets its weight, shared by its zones by pod count; localities with no
 *   ready pod drop out and the others take their share (Envoy's locality weights); zones the entry does
 *   not name get nothing, and calls whose named zones have no ready pod are unrouted (503 in Envoy).
 *
 * Calls a workload sends leave from its pods' zones in proportion to the calls it receives there (its
 * own callers' routing decides that), plus outside load spread over its pods alike; an acyclic call
 * graph settles in as many passes as it is deep.
 */
import type { TrafficDestinationRule, TrafficWorkload, WorkloadTraffic } from './traffic-model.js';
import { hostNames } from './traffic-model.js';

export interface PodLocality {
  region: string;
  zone: string;
}

/** A Service's `spec.trafficDistribution`. */
export interface ServiceTrafficDistribution {
  namespace: string;
  /** The Service's name (meshplane names it after the `app` it selects). */
  name: string;
  trafficDistribution: string;
}

export type ZonePolicy = { kind: 'uniform' } | { kind: 'failover' } | { kind: 'distribute'; entries: { from: string; to: Record<string, number> }[] };

interface WorkloadRef {
  namespace: string;
  name: string;
  service: string;
}

/** Calls per second from one workload's pods in one zone to another workload's pods in one zone. */
export interface ZoneFlow {
  from: WorkloadRef;
  fromZone: string;
  to: WorkloadRef;
  toZone: string;
  rps: number;
}

export interface ZoneTraffic {
  flows: ZoneFlow[];
  /** Calls per second that no endpoint could take (distribute naming only zones without ready pods). */
  unroutedRps: number;
}

export interface ZoneTrafficSettings {
  /** Istio's mesh-wide locality load balancing (`meshConfig.localityLbSetting.enabled`), default true as in Istio. */
  meshLocalityLb?: boolean;
}

const key = (namespace: string, name: string) => `${namespace}/${name}`;

/** The routing policy for calls to `service` (see the module comment). Pure. */
export function zonePolicy(
  namespace: string,
  service: string,
  destinationRules: readonly TrafficDestinationRule[],
  distributions: readonly ServiceTrafficDistribution[],
  settings: ZoneTrafficSettings = {},
): ZonePolicy {
  const dr = destinationRules.find((d) => d.namespace === namespace && hostNames(d.host, d.namespace, namespace, service));
  const lb = dr?.localityLbSetting as { enabled?: boolean; distribute?: { from?: string; to?: Record<string, number> }[] } | undefined;
  if (lb) {
    if (lb.enabled === false) return { kind: 'uniform' };
    if (Array.isArray(lb.distribute) && lb.distribute.length > 0)
      return { kind: 'distribute', entries: lb.distribute.map((d) => ({ from: String(d.from ?? ''), to: { ...(d.to ?? {}) } })) };
    return dr?.outlierDetection ? { kind: 'failover' } : { kind: 'uniform' };
  }
  const td = distributions.find((d) => d.namespace === namespace && d.name === service)?.trafficDistribution;
  if (td === 'PreferClose' || td === 'PreferSameZone') return { kind: 'failover' };
  if ((settings.meshLocalityLb ?? true) && dr?.outlierDetection) return { kind: 'failover' };
  return { kind: 'uniform' };
}

/** Whether an Istio locality pattern (`region/zone/*`, `region/*`, `*`, `region/zone`) matches a locality. */
export function localityMatches(pattern: string, locality: PodLocality): boolean {
  const parts = [locality.region, locality.zone, ''];
  const segments = pattern.split('/');
  for (let i = 0; i < segments.length; i++) {
    if (segments[i] === '*') return true;
    if (i >= parts.length || segments[i] !== parts[i]) return false;
  }
  return true;
}

/** Pods per zone (with the zone's region). */
function zonesOf(pods: readonly PodLocality[]): Map<string, { locality: PodLocality; pods: number }> {
  const out = new Map<string, { locality: PodLocality; pods: number }>();
  for (const p of pods) {
    const entry = out.get(p.zone);
    if (entry) entry.pods++;
    else out.set(p.zone, { locality: p, pods: 1 });
  }
  return out;
}

const byPods = (zones: [string, { pods: number }][]): Map<string, number> => {
  const total = zones.reduce((n, [, z]) => n + z.pods, 0);
  return new Map(total > 0 ? zones.map(([zone, z]) => [zone, z.pods / total]) : []);
};

/**
 * Fractions of a caller's calls (from `caller`) that each zone of the callee's ready pods takes under
 * `policy`; they sum to 1, or less when some calls find no endpoint. Pure.
 */
export function zoneSplit(policy: ZonePolicy, caller: PodLocality, pods: readonly PodLocality[]): Map<string, number> {
  const zones = [...zonesOf(pods)].sort(([a], [b]) => a.localeCompare(b));
  if (policy.kind === 'uniform') return byPods(zones);
  if (policy.kind === 'failover') {
    const sameZone = zones.filter(([, z]) => z.locality.region === caller.region && z.locality.zone === caller.zone);
    if (sameZone.length > 0) return byPods(sameZone);
    const sameRegion = zones.filter(([, z]) => z.locality.region === caller.region);
    return byPods(sameRegion.length > 0 ? sameRegion : zones);
  }
  const entry = policy.entries.find((e) => localityMatches(e.from, caller));
  // Istio applies no weights for a caller no entry matches, and no failover either: all endpoints alike.
  if (!entry) return byPods(zones);
  const weights = new Map<string, number>();
  const matched = new Set<string>();
  for (const [pattern, weight] of Object.entries(entry.to).sort(([a], [b]) => a.localeCompare(b))) {
    const hits = zones.filter(([zone, z]) => !matched.has(zone) && localityMatches(pattern, z.locality));
    const pods = hits.reduce((n, [, z]) => n + z.pods, 0);
    for (const [zone, z] of hits) {
      matched.add(zone);
      weights.set(zone, (weights.get(zone) ?? 0) + (weight * z.pods) / pods);
    }
  }
  const total = [...weights.values()].reduce((a, b) => a + b, 0);
  return new Map(total > 0 ? [...weights].map(([zone, w]) => [zone, w / total]) : []);
}

/** How many passes settle the zones calls leave from; an acyclic graph needs its depth. */
const MAX_PASSES = 64;

/** Calls between zones for one tick's traffic. Pure. */
export function computeZoneTraffic(
  workloads: readonly TrafficWorkload[],
  traffic: readonly WorkloadTraffic[],
  destinationRules: readonly TrafficDestinationRule[],
  distributions: readonly ServiceTrafficDistribution[],
  settings: ZoneTrafficSettings = {},
): ZoneTraffic {
  const pods = new Map(workloads.map((w) => [key(w.namespace, w.name), w.readyPodLocalities ?? []]));
  const policies = new Map<string, ZonePolicy>();
  const policyOf = (namespace: string, service: string): ZonePolicy => {
    const k = key(namespace, service);
    let p = policies.get(k);
    if (!p) policies.set(k, (p = zonePolicy(namespace, service, destinationRules, distributions, settings)));
    return p;
  };
  const localityOf = new Map<string, PodLocality>();
  for (const localities of pods.values()) for (const l of localities) localityOf.set(l.zone, l);

  // Split of each (callee workload, caller zone) pair, computed once.
  const splits = new Map<string, Map<string, number>>();
  const split = (to: WorkloadRef, fromZone: string): Map<string, number> => {
    const k = `${key(to.namespace, to.name)}@${fromZone}`;
    let s = splits.get(k);
    if (!s)
      splits.set(
        k,
        (s = zoneSplit(
          policyOf(to.namespace, to.service),
          localityOf.get(fromZone) ?? { region: '', zone: fromZone },
          pods.get(key(to.namespace, to.name)) ?? [],
        )),
      );
    return s;
  };

  const podShare = (w: string): Map<string, number> => byPods([...zonesOf(pods.get(w) ?? [])]);
  // Outside load (the part of what a workload serves that no mesh caller sends) spreads over its pods alike.
  const received = new Map<string, number>();
  for (const t of traffic) for (const c of t.calls) received.set(key(c.namespace, c.name), (received.get(key(c.namespace, c.name)) ?? 0) + c.rps);
  const outside = new Map(traffic.map((t) => [key(t.namespace, t.name), Math.max(0, t.rps - (received.get(key(t.namespace, t.name)) ?? 0))]));

  let leave = new Map(traffic.map((t) => [key(t.namespace, t.name), podShare(key(t.namespace, t.name))]));
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const incoming = new Map<string, Map<string, number>>();
    const add = (w: string, zone: string, rps: number) => {
      let m = incoming.get(w);
      if (!m) incoming.set(w, (m = new Map()));
      m.set(zone, (m.get(zone) ?? 0) + rps);
    };
    for (const [w, rps] of outside) if (rps > 0) for (const [zone, f] of podShare(w)) add(w, zone, rps * f);
    for (const t of traffic)
      for (const [fromZone, f] of leave.get(key(t.namespace, t.name)) ?? [])
        for (const c of t.calls) for (const [toZone, g] of split(c, fromZone)) add(key(c.namespace, c.name), toZone, c.rps * f * g);
    const next = new Map<string, Map<string, number>>();
    let changed = false;
    for (const [w, before] of leave) {
      const inc = incoming.get(w);
      const total = inc ? [...inc.values()].reduce((a, b) => a + b, 0) : 0;
      const after = total > 0 ? new Map([...inc!].map(([z, r]) => [z, r / total])) : podShare(w);
      next.set(w, after);
      for (const z of new Set([...before.keys(), ...after.keys()])) if (Math.abs((before.get(z) ?? 0) - (after.get(z) ?? 0)) > 1e-12) changed = true;
    }
    leave = next;
    if (!changed) break;
  }

  const flows: ZoneFlow[] = [];
  let unroutedRps = 0;
  for (const t of traffic) {
    const from = { namespace: t.namespace, name: t.name, service: t.service };
    for (const [fromZone, f] of leave.get(key(t.namespace, t.name)) ?? []) {
      for (const c of t.calls) {
        const to = { namespace: c.namespace, name: c.name, service: c.service };
        let routed = 0;
        for (const [toZone, g] of split(c, fromZone)) {
          routed += g;
          if (c.rps * f * g > 0) flows.push({ from, fromZone, to, toZone, rps: c.rps * f * g });
        }
        unroutedRps += c.rps * f * Math.max(0, 1 - routed);
      }
    }
  }
  return { flows, unroutedRps };
}

/** Cross-zone share of a set of flows: calls between different zones over all calls (0 without calls). */
export function crossZoneShare(flows: readonly ZoneFlow[]): number {
  const total = flows.reduce((n, f) => n + f.rps, 0);
  return total > 0 ? flows.filter((f) => f.fromZone !== f.toZone).reduce((n, f) => n + f.rps, 0) / total : 0;
}

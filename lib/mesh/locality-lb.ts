/**
 * How callers' proxies spread calls to a service over zones, rendered (pure) as Istio's DestinationRule
 * `trafficPolicy.loadBalancer.localityLbSetting` and the Kubernetes Service's `trafficDistribution`.
 *
 * What each routing mode renders, and why:
 * - no routing (nothing decided, policy `auto`): nothing. The mesh's own setting applies; Istio's default
 *   mesh config enables locality load balancing, and because every meshplane DestinationRule carries
 *   `outlierDetection`, that already means same-zone-first failover on a default Istio install.
 * - `uniform`: `{enabled: false}`. Round-robin over every endpoint in every zone, whatever the mesh says;
 *   the only way to get what the optimizer's uniform model assumes.
 * - `preferSameZone`: `{enabled: true, failoverPriority: [region, zone]}`: endpoints in the caller's zone
 *   first, then the other zones of its region, then anywhere (Envoy spills over to the next priority when
 *   the local endpoints are gone or ejected by outlier detection). The Service also gets
 *   `trafficDistribution: PreferClose` so clients outside the mesh (kube-proxy) and ztunnel prefer the
 *   same zone too. `PreferClose` is accepted from Kubernetes 1.31 (beta, on by default) and is the
 *   deprecated alias of `PreferSameZone` from 1.34; `PreferSameZone` itself is refused before 1.33.
 * - `distribute`: `{enabled: true, distribute: [{from: "region/zone/*", to: {"region/zone/*": weight}}]}`,
 *   zero weights left out (Istio refuses weights outside 1–100, and a sum other than 100). `distribute`
 *   excludes `failover` and `failoverPriority` (Istio accepts only one of the three), and Istio sends a
 *   caller's calls only to the zones its entry names: a locality of weight 0 gets nothing even when every
 *   named one is unhealthy. So every entry names every zone the routing sends to at all (the zones with
 *   endpoints), each with at least FAILOVER_MIN_WEIGHT percent, taken from the entry's largest weights:
 *   when outlier detection ejects a zone's endpoints (or they are gone), Envoy shifts its share to the
 *   zones still named. Without the zones' regions (node label `topology.kubernetes.io/region`) no
 *   locality can be named, so it falls back to `preferSameZone`.
 *
 * Istio takes a DestinationRule's `localityLbSetting` over the Service's `trafficDistribution` over the
 * mesh config (1.25+), and acts on failover only with `outlierDetection`, which every rule here has.
 */
import type { LocalityRouting } from '../model/locality-routing.js';

export const ZONE_LABEL = 'topology.kubernetes.io/zone';
export const REGION_LABEL = 'topology.kubernetes.io/region';

/** The Service `trafficDistribution` value meshplane renders for same-zone preference (see above). */
export const PREFER_SAME_ZONE_DISTRIBUTION = 'PreferClose';

/** A service's zone routing as the renderer needs it: the decision plus the region of each zone it names. */
export interface LocalityRoutingContext extends LocalityRouting {
  /** Region of each zone (node label `topology.kubernetes.io/region`): Istio names localities `region/zone`. */
  regions?: Record<string, string>;
}

/** The Istio locality (`region/zone/*`) of a zone, or undefined when its region is unknown. */
export function zoneLocality(zone: string, regions: Record<string, string> | undefined): string | undefined {
  const region = regions?.[zone];
  return region ? `${region}/${zone}/*` : undefined;
}

const byKey = <T>(a: [string, T], b: [string, T]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/**
 * Least weight (percent) a `distribute` entry gives every zone the routing sends to at all, so the zone
 * stays a failover target for callers whose own zone fails (see above). 1 % is the least Istio accepts.
 */
export const FAILOVER_MIN_WEIGHT = 1;

/**
 * Whole-percent weights with at least `min` for each zone, summing to the same total: each raised zone
 * takes its points one at a time from the zone with the largest weight (ties: the first by name).
 */
export function withFailoverWeights(to: Record<string, number>, zones: readonly string[], min = FAILOVER_MIN_WEIGHT): Record<string, number> {
  const out: Record<string, number> = { ...to };
  for (const zone of zones) {
    while ((out[zone] ?? 0) < min) {
      const donor = Object.keys(out)
        .sort()
        .reduce<string | undefined>((top, z) => (z !== zone && out[z] > min && (top === undefined || out[z] > out[top]) ? z : top), undefined);
      if (donor === undefined) return out;
      out[donor]--;
      out[zone] = (out[zone] ?? 0) + 1;
    }
  }
  return out;
}

/** The `distribute` entries with Istio localities, or undefined when a zone's region is unknown or there are none. */
function distributeEntries(routing: LocalityRoutingContext): { from: string; to: Record<string, number> }[] | undefined {
  const entries = [...(routing.distribute ?? [])].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  if (entries.length === 0) return undefined;
  // Zones the routing sends to at all: the decision only gives weight to zones with endpoints.
  const targets = [...new Set(entries.flatMap((e) => Object.entries(e.to).flatMap(([zone, weight]) => (weight > 0 ? [zone] : []))))].sort();
  const out: { from: string; to: Record<string, number> }[] = [];
  for (const entry of entries) {
    const from = zoneLocality(entry.from, routing.regions);
    const positive = Object.fromEntries(Object.entries(entry.to).filter(([, weight]) => weight > 0));
    const to: [string, number][] = [];
    for (const [zone, weight] of Object.entries(withFailoverWeights(positive, targets)).sort(byKey)) {
      const locality = zoneLocality(zone, routing.regions);
      if (!locality) return undefined;
      to.push([locality, weight]);
    }
    if (!from || to.length === 0) return undefined;
    out.push({ from, to: Object.fromEntries(to) });
  }
  return out;
}

/** The mode that is actually rendered: `distribute` without nameable localities becomes `preferSameZone`. */
export function effectiveMode(routing: LocalityRoutingContext | undefined): LocalityRouting['mode'] | undefined {
  if (!routing) return undefined;
  if (routing.mode === 'distribute' && !distributeEntries(routing)) return 'preferSameZone';
  return routing.mode;
}

/** `trafficPolicy.loadBalancer.localityLbSetting` for the routing, or undefined to leave the mesh's default. */
export function localityLbSetting(routing: LocalityRoutingContext | undefined): Record<string, unknown> | undefined {
  switch (effectiveMode(routing)) {
    case undefined:
      return undefined;
    case 'uniform':
      return { enabled: false };
    case 'preferSameZone':
      return { enabled: true, failoverPriority: [REGION_LABEL, ZONE_LABEL] };
    case 'distribute':
      return { enabled: true, distribute: distributeEntries(routing!) };
  }
}

/** The Service's `trafficDistribution` for the routing: set for same-zone preference only. */
export function serviceTrafficDistribution(routing: LocalityRoutingContext | undefined): string | undefined {
  return effectiveMode(routing) === 'preferSameZone' ? PREFER_SAME_ZONE_DISTRIBUTION : undefined;
}

/**
 * The synthetic traffic model (pure). Each service (the `app` label of its Deployments) receives the
 * calls its callers declare in the `meshplane.io/dependencies` annotation, or a base external load
 * when nobody declares calls to it. A service's traffic is split over its workloads by the first
 * route of its VirtualService (weights on subsets, subsets mapped to pod labels by the DestinationRule,
 * or to the `track` label without one), or by ready replicas without a VirtualService. Traffic routed
 * to a workload with no ready pod is lost. Callers send their declared rates scaled by the share of
 * their own service's traffic each of their workloads serves. Errors and latency come from the base
 * rates or the traffic fault of the image each ready pod runs. Each workload's calls are also kept per
 * called workload, for the caller-side (`reporter="source"`) series. An exposed service also receives
 * edge load: through its VirtualService's route (Gateway) or over its ready pods (LoadBalancer).
 */
import { LABELS } from '../mesh/labels.js';

/** Upper bounds (ms) of `istio_request_duration_milliseconds_bucket`, Istio's defaults. */
export const LATENCY_BUCKETS_MS: readonly number[] = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
];

/** A Deployment as the traffic model sees it. */
export interface TrafficWorkload {
  namespace: string;
  /** Deployment name (Istio's `destination_workload`). */
  name: string;
  /** The service it serves: its `app` label. */
  service: string;
  /** Pod template labels (what DestinationRule subsets select). */
  podLabels: Record<string, string>;
  /** Images of each ready pod. */
  readyPods: string[][];
  /** Region and zone of each ready pod, in the order of `readyPods` (zone-traffic.ts); absent: unknown. */
  readyPodLocalities?: { region: string; zone: string }[];
  dependencies: { service: string; rps: number }[];
}

export interface TrafficRoute {
  host?: string;
  subset?: string;
  weight?: number;
}

/** The first HTTP route of a VirtualService. */
export interface TrafficVirtualService {
  namespace: string;
  name: string;
  hosts: string[];
  route: TrafficRoute[];
}

export interface TrafficDestinationRule {
  namespace: string;
  host: string;
  subsets: { name: string; labels?: Record<string, string> }[];
  /** `trafficPolicy.loadBalancer.localityLbSetting` as written (zone-traffic.ts reads it). */
  localityLbSetting?: Record<string, unknown>;
  /** Whether `trafficPolicy.outlierDetection` is set: Istio fails over between localities only with it. */
  outlierDetection?: boolean;
}

/** Errors and latency of one image's requests. */
export interface ImageBehaviour {
  errorRate: number;
  p99LatencyMs: number;
}

/** A service reached from outside the mesh (see edge-traffic.ts). */
export interface TrafficExposure {
  namespace: string;
  service: string;
  /** Gateway: through the ingress gateway, split by the VirtualService; LoadBalancer: an NLB straight to the ready pods. */
  via: 'LoadBalancer' | 'Gateway';
}

export interface TrafficSettings {
  /** Requests per second a service nobody calls receives from outside. */
  externalRps: number;
  /** Requests per second an exposed service receives from the edge, on top of its callers' (default: externalRps). */
  edgeRps?: number;
  /** Behaviour of an image: base rates unless a traffic fault overrides them. */
  behaviour(image: string): ImageBehaviour;
}

/** Calls one workload sends to another, per second (what the caller's proxy reports, `reporter="source"`). */
export interface WorkloadCall {
  /** The called workload. */
  namespace: string;
  name: string;
  service: string;
  rps: number;
  /** Fraction answered 5xx: the called workload's error rate. */
  errorRate: number;
}

/** What one workload serves, per second, and what it calls. */
export interface WorkloadTraffic {
  namespace: string;
  name: string;
  service: string;
  rps: number;
  /** Fraction of requests answered 5xx. */
  errorRate: number;
  /** Fraction of requests at or below each LATENCY_BUCKETS_MS bound. */
  latencyCdf: number[];
  /** Its calls to each workload that serves them (calls routed to a workload with no ready pod are lost). */
  calls: WorkloadCall[];
  /** The part of `rps` that came from the edge, for an exposed service. */
  edge?: { via: TrafficExposure['via']; rps: number };
}

/** Ratio of p99 to median latency is exp(2.326σ); σ = 0.6 gives a p99 about 4× the median. */
const LOG_SIGMA = 0.6;
const Z99 = 2.3263478740408408;

function erf(x: number): number {
  // Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7).
  const sign = Math.sign(x);
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return sign * y;
}

/** P(latency ≤ bound) for a log-normal latency with the given p99. */
export function latencyCdf(p99Ms: number, boundMs: number): number {
  const mu = Math.log(p99Ms) - Z99 * LOG_SIGMA;
  return 0.5 * (1 + erf((Math.log(boundMs) - mu) / (LOG_SIGMA * Math.SQRT2)));
}

function serviceKey(namespace: string, service: string): string {
  return `${namespace}/${service}`;
}

/** Whether an Istio host (`svc`, `svc.ns`, `svc.ns.svc.cluster.local`) names `service` in `namespace`. */
export function hostNames(host: string, hostNamespace: string, namespace: string, service: string): boolean {
  const [name, ns] = host.split('.');
  return name === service && (ns ?? hostNamespace) === namespace;
}

/** The VirtualService and DestinationRule that name each service, found in one pass over each list (see routeIndex). */
export interface RouteIndex {
  virtualService(namespace: string, service: string): TrafficVirtualService | undefined;
  destinationRule(namespace: string, service: string): TrafficDestinationRule | undefined;
}

/**
 * Indexes VirtualServices and DestinationRules by the service their hosts name, with the choice
 * routeShares makes over the lists (the first VirtualService by name, the first DestinationRule in list
 * order): a tick looks each service up instead of scanning every rule per service, which made a tick
 * quadratic in the number of services (a 1,000-service tick held the shared event loop for seconds).
 */
export function routeIndex(virtualServices: readonly TrafficVirtualService[], destinationRules: readonly TrafficDestinationRule[]): RouteIndex {
  const hostKey = (host: string, namespace: string): string | undefined => {
    const [name, ns] = host.split('.');
    return (ns ?? namespace) === namespace ? serviceKey(namespace, name) : undefined;
  };
  const vsByService = new Map<string, TrafficVirtualService>();
  for (const v of virtualServices)
    for (const h of v.hosts) {
      const k = hostKey(h, v.namespace);
      const seen = k === undefined ? undefined : vsByService.get(k);
      if (k !== undefined && (!seen || v.name.localeCompare(seen.name) < 0)) vsByService.set(k, v);
    }
  const drByService = new Map<string, TrafficDestinationRule>();
  for (const d of destinationRules) {
    const k = hostKey(d.host, d.namespace);
    if (k !== undefined && !drByService.has(k)) drByService.set(k, d);
  }
  return {
    virtualService: (namespace, service) => vsByService.get(serviceKey(namespace, service)),
    destinationRule: (namespace, service) => drByService.get(serviceKey(namespace, service)),
  };
}

/** Fraction of a service's traffic each of its workloads serves (sums to ≤ 1; the rest is lost). */
export function routeShares(
  namespace: string,
  service: string,
  workloads: TrafficWorkload[],
  virtualServices: TrafficVirtualService[],
  destinationRules: TrafficDestinationRule[],
  index?: RouteIndex,
): Map<string, number> {
  const shares = new Map<string, number>();
  const byReady = (group: TrafficWorkload[], fraction: number) => {
    const ready = group.reduce((n, w) => n + w.readyPods.length, 0);
    if (ready === 0) return;
    for (const w of group) if (w.readyPods.length > 0) shares.set(w.name, (shares.get(w.name) ?? 0) + (fraction * w.readyPods.length) / ready);
  };
  const vs = index
    ? index.virtualService(namespace, service)
    : virtualServices
        .filter((v) => v.namespace === namespace && v.hosts.some((h) => hostNames(h, v.namespace, namespace, service)))
        .sort((a, b) => a.name.localeCompare(b.name))[0];
  const routes = vs?.route ?? [];
  const totalWeight = routes.length === 1 ? 100 : routes.reduce((n, r) => n + (r.weight ?? 0), 0);
  if (!vs || routes.length === 0 || totalWeight <= 0) {
    byReady(workloads, 1);
    return shares;
  }
  const dr = index
    ? index.destinationRule(namespace, service)
    : destinationRules.find((d) => d.namespace === namespace && hostNames(d.host, d.namespace, namespace, service));
  for (const r of routes) {
    const weight = routes.length === 1 ? 100 : (r.weight ?? 0);
    if (weight <= 0) continue;
    let group = workloads;
    if (r.subset !== undefined) {
      const selector = dr?.subsets.find((s) => s.name === r.subset)?.labels ?? (dr ? undefined : { [LABELS.track]: r.subset });
      group = selector ? workloads.filter((w) => Object.entries(selector).every(([k, v]) => w.podLabels[k] === v)) : [];
    }
    byReady(group, weight / totalWeight);
  }
  return shares;
}

/** Per-second traffic of every workload. */
export function computeTraffic(
  workloads: TrafficWorkload[],
  virtualServices: TrafficVirtualService[],
  destinationRules: TrafficDestinationRule[],
  settings: TrafficSettings,
  exposures: readonly TrafficExposure[] = [],
): WorkloadTraffic[] {
  const exposed = new Map(exposures.map((e) => [serviceKey(e.namespace, e.service), e.via]));
  const edgeRps = settings.edgeRps ?? settings.externalRps;
  const services = new Map<string, TrafficWorkload[]>();
  for (const w of workloads) {
    const key = serviceKey(w.namespace, w.service);
    const group = services.get(key);
    if (group) group.push(w);
    else services.set(key, [w]);
  }
  const shares = new Map<string, Map<string, number>>();
  const index = routeIndex(virtualServices, destinationRules);
  for (const [key, group] of services) {
    const [namespace, service] = key.split('/');
    shares.set(key, routeShares(namespace, service, group, virtualServices, destinationRules, index));
  }
  /** A dependency resolves to the service of that name in the caller's namespace, else the first namespace that has it. */
  const resolve = (namespace: string, service: string): string | undefined => {
    if (services.has(serviceKey(namespace, service))) return serviceKey(namespace, service);
    return [...services.keys()].sort().find((k) => k.split('/')[1] === service);
  };
  const incoming = new Map<string, number>();
  const called = new Set<string>();
  const sent: { caller: TrafficWorkload; target: string; rps: number }[] = [];
  for (const w of workloads) {
    const share = shares.get(serviceKey(w.namespace, w.service))?.get(w.name) ?? 0;
    for (const dep of w.dependencies) {
      const target = resolve(w.namespace, dep.service);
      if (!target) continue;
      called.add(target);
      incoming.set(target, (incoming.get(target) ?? 0) + share * dep.rps);
      if (share * dep.rps > 0) sent.push({ caller: w, target, rps: share * dep.rps });
    }
  }
  const out: WorkloadTraffic[] = [];
  for (const w of workloads) {
    const key = serviceKey(w.namespace, w.service);
    const via = exposed.get(key);
    // An exposed service's outside load is its edge load; the base external load is for services nobody calls or exposes.
    const serviceRps = (incoming.get(key) ?? 0) + (via || called.has(key) ? 0 : settings.externalRps);
    const share = shares.get(key)?.get(w.name) ?? 0;
    // Through the gateway, edge requests take the VirtualService's route like mesh requests; an NLB with IP
    // targets sends to every ready pod alike, whatever the VirtualService says.
    const edge = via === 'Gateway' ? edgeRps * share : via === 'LoadBalancer' ? edgeRps * readyShare(w, services.get(key) ?? []) : 0;
    const rps = serviceRps * share + edge;
    const pods = w.readyPods.map((images) => mixPod(images, settings));
    const n = pods.length;
    out.push({
      namespace: w.namespace,
      name: w.name,
      service: w.service,
      ...(via ? { edge: { via, rps: n > 0 ? edge : 0 } } : {}),
      rps: n > 0 ? rps : 0,
      errorRate: n > 0 ? pods.reduce((s, p) => s + p.errorRate, 0) / n : 0,
      latencyCdf: LATENCY_BUCKETS_MS.map((_, i) => (n > 0 ? pods.reduce((s, p) => s + p.cdf[i], 0) / n : 0)),
      calls: [],
    });
  }
  // Each call is split over the called service's workloads as its route splits the service's traffic.
  const byWorkload = new Map(out.map((t) => [`${t.namespace}/${t.name}`, t]));
  for (const { caller, target, rps } of sent) {
    const [namespace] = target.split('/');
    const from = byWorkload.get(`${caller.namespace}/${caller.name}`)!;
    for (const [name, share] of shares.get(target) ?? []) {
      const to = byWorkload.get(`${namespace}/${name}`)!;
      if (share > 0) from.calls.push({ namespace, name, service: to.service, rps: rps * share, errorRate: to.errorRate });
    }
  }
  return out;
}

/** Fraction of the service's ready pods that `w` runs. */
function readyShare(w: TrafficWorkload, group: readonly TrafficWorkload[]): number {
  const ready = group.reduce((n, g) => n + g.readyPods.length, 0);
  return ready > 0 ? w.readyPods.length / ready : 0;
}

/** A pod's behaviour: the worst error rate and latency of its containers' images. */
function mixPod(images: string[], settings: TrafficSettings): { errorRate: number; cdf: number[] } {
  const behaviours = images.map((i) => settings.behaviour(i));
  const errorRate = Math.max(...behaviours.map((b) => b.errorRate));
  const p99 = Math.max(...behaviours.map((b) => b.p99LatencyMs));
  return { errorRate, cdf: LATENCY_BUCKETS_MS.map((le) => latencyCdf(p99, le)) };
}

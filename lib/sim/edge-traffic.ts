/**
 * Which services the simulated cluster's traffic model sends edge load into, read from the object store:
 * a Service of `type: LoadBalancer` exposes the pods it selects (`app`); a VirtualService bound to a
 * gateway other than `mesh` exposes the service its route sends to, through the ingress gateway.
 */
import { LABELS } from '../mesh/labels.js';
import type { ObjectStore } from './object-store.js';
import { resourceType } from './resource-types.js';
import type { TrafficExposure } from './traffic-model.js';

type Obj = Record<string, any>;

const SERVICES = resourceType('services');
const VIRTUAL_SERVICES = resourceType('virtualservices', 'networking.istio.io');

/** The workload and namespace the simulated ingress gateway reports edge calls from (Istio's defaults). */
export const INGRESS_GATEWAY_WORKLOAD = { namespace: 'istio-system', name: 'istio-ingressgateway', service: 'istio-ingressgateway' } as const;

export function trafficExposures(store: ObjectStore): TrafficExposure[] {
  const out = new Map<string, TrafficExposure>();
  for (const s of store.scan(SERVICES)) {
    const spec = (s.spec ?? {}) as Obj;
    const app = spec.selector?.[LABELS.app];
    if (spec.type !== 'LoadBalancer' || typeof app !== 'string') continue;
    const namespace = s.metadata.namespace ?? 'default';
    out.set(`${namespace}/${app}`, { namespace, service: app, via: 'LoadBalancer' });
  }
  for (const v of store.scan(VIRTUAL_SERVICES)) {
    const spec = (v.spec ?? {}) as Obj;
    const gateways: unknown[] = Array.isArray(spec.gateways) ? spec.gateways : [];
    if (!gateways.some((g) => typeof g === 'string' && g !== 'mesh')) continue;
    const host: unknown = spec.http?.[0]?.route?.[0]?.destination?.host;
    if (typeof host !== 'string') continue;
    const namespace = v.metadata.namespace ?? 'default';
    const [service, ns] = host.split('.');
    const key = `${ns ?? namespace}/${service}`;
    // A service behind both keeps its gateway exposure: that is where the canary weights apply.
    out.set(key, { namespace: ns ?? namespace, service, via: 'Gateway' });
  }
  return [...out.values()];
}
